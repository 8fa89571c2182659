// The 审计日志 screen as 管理层 (guanli): the list and one entry; 财务
// (caiwu) has no such menu and sees customers' phones masked.
//   node tests/browser/audit.mjs <url> <db> [out dir]
// Saves tests/artifacts/audit-NN-<name>.png; fails on a page error or a
// screen that does not open.
import { launch, login, openMenu } from './lib.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, db, out = 'tests/artifacts'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });

const browser = await launch();
let failures = 0;
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on('pageerror', (e) => { failures += 1; console.log('PAGEERROR', String(e)); });
try {
  await login(page, url, db, 'guanli', 'yuexing2026');
  await openMenu(page, ['审计日志']);
  await page.waitForTimeout(3000);
  await page.screenshot({ path: join(out, 'audit-01-list.png') });
  await page.locator('.tab-pane.active table tbody tr').first()
    .dblclick({ timeout: 10000 });
  await page.waitForTimeout(3000);
  await page.screenshot({ path: join(out, 'audit-02-entry.png') });
} catch (e) {
  failures += 1;
  console.log('FAILED', String(e));
  await page.screenshot({ path: join(out, 'audit-failed.png') });
}
const finance = await browser.newPage({ viewport: { width: 1440, height: 900 } });
try {
  await login(finance, url, db, 'caiwu', 'yuexing2026');
  const menu = await finance.locator('#menu').innerText();
  if (menu.includes('审计日志')) {
    failures += 1;
    console.log('FAILED: 财务 sees the 审计日志 menu');
  }
  // 财务 sees customers' phones masked (138****5678)
  await openMenu(finance, ['客户管理', '客户']);
  await finance.waitForTimeout(3000);
  await finance.screenshot({ path: join(out, 'audit-03-finance-customers.png') });
  const text = await finance.locator('.tab-pane.active table tbody').innerText();
  if (/1\d{2} ?\d{4} ?\d{4}/.test(text) || !text.includes('****')) {
    failures += 1;
    console.log('FAILED: 财务 sees full phone numbers');
  }
} catch (e) {
  failures += 1;
  console.log('FAILED', String(e));
}
await browser.close();
process.exit(failures ? 1 : 0);
