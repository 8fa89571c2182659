// Screenshots of 物料与库存 as 仓管, 财务 and 调度 see them (requisitions,
// stock by location, vans, stocktaking, transfers, moves, safety stock,
// unit conversions, purchasing: plan, orders, receipts, returns, suppliers,
// evaluations, cooperation records, expiring batches, tools, loans and
// maintenance, the 报表 lists and graphs); fails on an error dialog or a
// page error.
//   node tests/browser/material_shots.mjs <url> <db> <out dir>
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
  // a visible cell with text that is not a link (a link opens its record
  // in another tab); the list may be redrawn meanwhile: retry
  const tab = activeTab(page);
  const cell = tab.locator('.treeview tbody tr').first()
    .locator('td:not(:has(a)):visible').filter({ hasText: /\S/ }).first();
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await cell.dblclick({ timeout: 10000 }).catch(() => {});
    await settle(page);
    if (await tab.locator('.form').first().isVisible()) return;
    await page.waitForTimeout(500);
  }
  throw new Error('could not open the first row');
}

async function domainTab(page, label) {
  await settle(page);
  const link = activeTab(page).locator('.nav-tabs li')
    .filter({ hasText: label }).first();
  // the tabs are drawn again when their counts arrive: retry the click
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await link.locator('a').click();
    await settle(page);
    if ((await link.getAttribute('class') || '').includes('active')) return;
    await page.waitForTimeout(500);
  }
  throw new Error(`domain tab ${label} not opened`);
}

async function switchView(page) {
  await activeTab(page).locator(
    'button#switch_').first().click();
  await settle(page);
}

async function walk(user, entries) {
  const page = await session(user);
  for (const [menu, name, open, tab] of entries) {
    await openMenu(page, menu);
    if (tab) await domainTab(page, tab);
    await shot(page, name);
    if (open === 'graph') {
      await switchView(page);
      await shot(page, name.replace('-list', '-graph'));
    } else if (open) {
      await openFirst(page);
      await shot(page, name.replace('-list', '-form'));
    }
  }
  await page.close();
}

const M = '物料与库存';
await walk('cangguan', [
  [[M, '领用申请'], 'material-requisition-list.png', true],
  [[M, '库位库存'], 'material-location-list.png', false],
  [[M, '车载库存'], 'material-van-list.png', false],
  [[M, '库存盘点'], 'material-inventory-list.png', true],
  [[M, '库存调拨'], 'material-transfer-list.png', false],
  [[M, '库存移动'], 'material-move-list.png', false],
  [[M, '安全库存'], 'material-order-point-list.png', false],
  [[M, '配置', '单位换算'], 'material-unit-conversion-list.png', false],
]);
const P = [M, '采购管理'];
await walk('cangguan', [
  [[...P, '采购计划'], 'material-purchase-request-list.png', true],
  [[...P, '采购订单'], 'material-purchase-order-list.png', true, '异常'],
  [[...P, '到货验收'], 'material-purchase-receipt-list.png', true, '全部'],
  [[...P, '采购退货'], 'material-purchase-return-list.png', true, '全部'],
  [[...P, '供应商'], 'material-purchase-supplier-list.png', true],
  [[...P, '供应商评估'], 'material-purchase-evaluation-list.png', true, '全部'],
  [[...P, '合作记录'], 'material-purchase-record-list.png', false],
  [[M, '临期批次'], 'material-lot-expiring-list.png', true],
]);
const T = [M, '工具管理'];
await walk('cangguan', [
  [[...T, '工具'], 'material-tool-list.png', true, '全部'],
  [[...T, '工具借还'], 'material-tool-loan-list.png', true, '借出中'],
  [[...T, '工具借还'], 'material-tool-overdue-list.png', false, '逾期未还'],
  [[...T, '工具维修'], 'material-tool-maintenance-list.png', true],
]);
await walk('caiwu', [
  [[...P, '供应商评估'], 'material-purchase-finance-evaluation-list.png', false],
]);
await walk('caiwu', [
  [[M, '库存盘点'], 'material-finance-inventory-list.png', true],
]);
// 报表: 仓管 reads the stock ones, 管理层 the waste, 财务 the value
const R = [M, '报表'];
await walk('cangguan', [
  [[...R, '库位库存金额'], 'material-report-value-list.png', 'graph'],
  [[...R, '库龄与周转（积压）'], 'material-report-ageing-list.png', 'graph'],
  [[...R, '缺货分析'], 'material-report-stockout-list.png', 'graph'],
]);
await walk('guanli', [
  [[...R, '工单材料浪费'], 'material-report-waste-list.png', false],
  [[...R, '师傅材料浪费'], 'material-report-waste-technician-list.png',
    'graph'],
  [[...R, '渗漏部位材料浪费'], 'material-report-waste-site-list.png',
    'graph'],
]);
await walk('caiwu', [
  [[...R, '库位库存金额'], 'material-report-finance-value-list.png', false],
]);
await walk('diaodu', [
  [[M, '领用申请'], 'material-dispatcher-requisition-list.png', true],
]);
await browser.close();
if (errors.length) {
  console.log('PAGE ERRORS', errors);
  process.exit(1);
}
