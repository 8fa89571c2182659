// Screenshots of 物料与库存 as 仓管, 财务 and 调度 see them (requisitions,
// stock by location, vans, stocktaking, transfers, moves, safety stock,
// unit conversions, purchasing: plan, orders, receipts, returns, suppliers,
// evaluations, cooperation records, expiring batches); fails on an error
// dialog or a page error.
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
  const row = activeTab(page).locator('.treeview tbody tr').first();
  await row.dblclick();
  await settle(page);
}

async function walk(user, entries) {
  const page = await session(user);
  for (const [menu, name, open] of entries) {
    await openMenu(page, menu);
    await shot(page, name);
    if (open) {
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
  [[...P, '采购计划'], 'purchase-request-list.png', true],
  [[...P, '采购订单'], 'purchase-order-list.png', true],
  [[...P, '到货验收'], 'purchase-receipt-list.png', true],
  [[...P, '采购退货'], 'purchase-return-list.png', true],
  [[...P, '供应商'], 'purchase-supplier-list.png', true],
  [[...P, '供应商评估'], 'purchase-evaluation-list.png', true],
  [[...P, '合作记录'], 'purchase-record-list.png', false],
  [[M, '临期批次'], 'material-lot-expiring-list.png', true],
]);
await walk('caiwu', [
  [[...P, '供应商评估'], 'purchase-finance-evaluation-list.png', false],
]);
await walk('caiwu', [
  [[M, '库存盘点'], 'material-finance-inventory-list.png', true],
]);
await walk('diaodu', [
  [[M, '领用申请'], 'material-dispatcher-requisition-list.png', true],
]);
await browser.close();
if (errors.length) {
  console.log('PAGE ERRORS', errors);
  process.exit(1);
}
