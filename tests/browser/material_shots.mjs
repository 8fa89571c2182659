// Screenshots of 物料与库存 as 仓管, 财务 and 调度 see them (requisitions,
// stock by location, vans, stocktaking, transfers, moves, safety stock,
// unit conversions, purchasing: plan, orders, receipts, returns, suppliers,
// evaluations, cooperation records, expiring batches, tools, loans and
// maintenance, the 报表 lists and graphs); fails on an error dialog or a
// page error.
//   node tests/browser/material_shots.mjs <url> <db> <out dir>
import { launch, walker } from './lib.mjs';
import { mkdirSync } from 'node:fs';

const [url, db, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();
const errors = [];

const { walk } = walker(browser, url, db, out, errors);

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
