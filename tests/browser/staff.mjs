// Screens of the staff module (人员管理) as HR and as a team leader.
//   node tests/browser/staff.mjs <url> <db> [out dir]
// Saves tests/artifacts/staff-<login>-NN-<name>.png; fails on a page error
// or a screen that does not open.
import { launch, login, openMenu } from './lib.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, db, out = 'tests/artifacts'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });

const SCREENS = {
  renshi: [
    ['employee', ['人员管理', '员工'], true],
    ['employee-payroll', ['人员管理', '员工'], 'tab:薪酬'],
    ['technicians', ['人员管理', '师傅'], false],
    ['team', ['人员管理', '班组'], 'tab:统计'],
    ['certificates', ['人员管理', '证书'], false],
    ['clock', ['人员管理', '考勤', '打卡记录'], false],
    ['leave', ['人员管理', '考勤', '请假申请'], true],
    ['overtime', ['人员管理', '考勤', '加班'], false],
    ['attendance-summary', ['人员管理', '考勤', '月度考勤汇总'], false],
    ['training', ['人员管理', '培训', '培训场次'], true],
    ['evaluation', ['人员管理', '绩效', '绩效考核'], true],
    ['payslips', ['人员管理', '薪酬', '工资单'], false, '已确认'],
    ['payslip', ['人员管理', '薪酬', '工资单'], 'tab:社保与个税', '已确认'],
    ['city', ['人员管理', '配置', '社保城市'], true],
  ],
  shifu: [
    ['own-profile', ['人员管理', '员工'], true],
    ['team-leave', ['人员管理', '考勤', '请假申请'], false, '全部'],
    ['own-payslips', ['人员管理', '薪酬', '工资单'], false, '已确认'],
  ],
};

const browser = await launch();
let failures = 0;
for (const [user, screens] of Object.entries(SCREENS)) {
  let index = 0;
  for (const [name, menu, open, domain] of screens) {
    index += 1;
    // A fresh page per screen: no tab left over from the previous one.
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => { failures += 1; console.log('PAGEERROR', name, String(e)); });
    try {
      await login(page, url, db, user, 'yuexing2026');
      await openMenu(page, menu);
      await page.waitForTimeout(2500);
      if (domain) {
        // The tab of the list (草稿/已确认/全部) to show.
        await page.locator('.tab-pane.active .nav-tabs a, .tab-pane.active .nav-tabs li')
          .filter({ hasText: domain }).first().click();
        await page.waitForTimeout(1500);
      }
      if (open) {
        await page.locator('.tab-pane.active table tbody tr').first()
          .dblclick({ timeout: 10000 });
        await page.waitForTimeout(4000);
        if (typeof open === 'string' && open.startsWith('tab:')) {
          await page.locator('.tab-pane.active .nav-tabs a, .tab-pane.active .nav-tabs li')
            .filter({ hasText: open.slice(4) }).first().click();
          await page.waitForTimeout(1000);
        }
      }
      const file = join(out, `staff-${user}-${String(index).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      console.log('saved', file);
    } catch (error) {
      failures += 1;
      console.log('FAILED', user, name, String(error).split('\n')[0]);
      await page.screenshot({ path: join(out, `staff-${user}-failed-${name}.png`) })
        .catch(() => {});
    }
    await page.close();
  }
}
await browser.close();
process.exit(failures ? 1 : 0);
