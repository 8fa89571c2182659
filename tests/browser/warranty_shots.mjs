// Developer tool: screenshots of 质保售后 (warranties, complaints, surveys,
// cases) as 客服 and 管理层 see them; fails on an error dialog.
//   node tests/browser/warranty_shots.mjs <url> <db> <out dir>
import {
  launch, login, openMenu, settle, activeTab, noErrorDialog, trackRequests,
} from './lib.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, db, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();
const errors = [];

async function session(user) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  trackRequests(page);
  page.on('pageerror', (e) => errors.push(String(e)));
  await login(page, url, db, user, 'yuexing2026');
  return page;
}

async function shot(page, name) {
  await settle(page);
  await page.waitForTimeout(800);
  await noErrorDialog(page);
  const file = join(out, name);
  await page.screenshot({ path: file });
  console.log('saved', file);
}

async function openFirst(page) {
  const row = activeTab(page).locator('.treeview tbody tr').first();
  await row.dblclick();
  await settle(page);
}

const page = await session('kefu');
for (const [menu, name, open] of [
  [['质保售后', '质保管理'], 'warranty-list.png', true],
  [['质保售后', '投诉处理'], 'complaint-list.png', true],
  [['质保售后', '满意度调查'], 'survey-list.png', true],
  [['质保售后', '案例库'], 'case-list.png', true],
  [['质保售后', '满意度统计'], 'survey-result-list.png', false],
  [['质保售后', '投诉统计'], 'complaint-statistics.png', false],
  [['质保售后', '配置', '质保规则'], 'rule-list.png', false],
]) {
  await openMenu(page, menu);
  await shot(page, name);
  if (open) {
    await openFirst(page);
    await shot(page, name.replace('-list', '-form'));
  }
}
await browser.close();
if (errors.length) {
  console.log('PAGE ERRORS', errors);
  process.exit(1);
}
