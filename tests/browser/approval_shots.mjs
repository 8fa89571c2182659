// Developer tool: screenshots of the approval engine (流程配置 and 我的待办).
//   node tests/browser/approval_shots.mjs <url> <db> <out dir>
import { launch, login, openMenu } from './lib.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, db, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();

async function session(user) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => console.log('PAGEERROR', String(e)));
  await login(page, url, db, user, 'yuexing2026');
  return page;
}

async function shot(page, name) {
  const file = join(out, name);
  await page.screenshot({ path: file });
  console.log('saved', file);
}

// The administrator's flow editor: the quote flow, then its first step.
let page = await session('xitong');
await openMenu(page, ['审批', '流程配置']);
await page.waitForTimeout(2500);
await page.locator('.tab-pane.active table tbody tr')
  .filter({ hasText: '报价审批' }).first().dblclick();
await page.waitForTimeout(2500);
await shot(page, 'approval-flow-form.png');
await page.locator('.tab-pane.active table tbody tr')
  .filter({ hasText: '项目经理审批' }).first().dblclick();
await page.waitForTimeout(2500);
await shot(page, 'approval-step-form.png');
await page.close();

// The project manager's to-do list and the decision dialog.
page = await session('xiangmu');
await openMenu(page, ['审批', '我的待办']);
await page.waitForTimeout(2500);
await shot(page, 'approval-todo-list.png');
// Select the first to-do and open 审批… (the form action) with a comment.
await page.locator('.tab-pane.active table tbody tr').first().click();
await page.waitForTimeout(500);
await page.locator('[title="执行操作"]').first().click();
await page.waitForTimeout(800);
await page.getByText('审批…').first().click();
await page.locator('.modal-dialog:visible').waitFor();
await page.waitForTimeout(1000);
await page.locator('.modal-dialog:visible textarea').first()
  .fill('材料用量与勘察一致，同意');
await shot(page, 'approval-decide-dialog.png');
await browser.close();
