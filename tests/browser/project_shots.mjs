// Screenshots of 项目管理 as 项目经理, 财务, 管理层 and 调度 see them
// (projects and their form, tasks, resources, risks, changes, budget
// versions, cost against budget as list and graph) and the Gantt chart
// PDF printed from the project; fails on an error dialog or a page error.
//   node tests/browser/project_shots.mjs <url> <db> <out dir>
import { launch, walker, openMenu, activeTab, settle } from './lib.mjs';
import { mkdirSync } from 'node:fs';

const [url, db, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();
const errors = [];
const { walk, session, shot, openFirst } = walker(
  browser, url, db, out, errors);

const P = '项目管理';
await walk('xiangmu', [
  [[P, '项目'], 'project-list.png', true, '进行中'],
  [[P, '任务'], 'project-task-list.png', true, '关键任务'],
  [[P, '资源分配'], 'project-assignment-list.png', true],
  [[P, '风险登记'], 'project-risk-list.png', false],
  [[P, '项目变更'], 'project-change-list.png', true, '全部'],
  [[P, '预算版本'], 'project-budget-list.png', true],
  [[P, '成本与预算对比'], 'project-cost-list.png', 'graph'],
]);
await walk('caiwu', [
  [[P, '项目'], 'project-finance-list.png', false, '全部'],
  [[P, '成本与预算对比'], 'project-finance-cost-list.png', false],
]);
await walk('guanli', [
  [[P, '项目变更'], 'project-management-change-list.png', false, '全部'],
]);
await walk('diaodu', [
  [[P, '资源分配'], 'project-dispatcher-assignment-list.png', false],
]);

// The project form's tabs: tasks with the critical ones, earned value.
const page = await session('xiangmu');
await openMenu(page, [P, '项目']);
await openFirst(page);
const tab = activeTab(page);
for (const [label, name] of [['挣值分析', 'project-form-earned.png'],
  ['预算', 'project-form-budget.png'], ['风险', 'project-form-risks.png']]) {
  await tab.locator('.nav-tabs a').filter({ hasText: label }).first().click();
  await settle(page);
  await shot(page, name);
}
await page.close();
await browser.close();
if (errors.length) {
  console.log('PAGE ERRORS', errors);
  process.exit(1);
}
