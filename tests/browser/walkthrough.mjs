// Walkthrough of one work order's whole life in the web client, logging in
// as each role in turn: 客服 takes the call and quotes, 项目经理 approves the
// quote, the customer's confirmation is recorded by 客服, 调度 dispatches
// from the recommendation list, 师傅 accepts, checks in, goes through the
// construction steps (checklist and photos attached through the client),
// 项目经理 inspects, the customer signs, 客服 archives; the acceptance report
// is printed last.
//
// A developer tool run by hand (not part of `make test`), against a server
// with the demo data (scripts/manage.py initdb --demo), e.g.:
//
//   export TRYTOND_DATABASE__PATH=$PWD/var/walk YUEXING_STATE_DIR=$PWD/var/walk \
//       TRYTOND_DATABASE_NAMES=yx_walk TRYTOND_WEB__LISTEN=127.0.0.1:8010 \
//       TRYTOND_WEB__ROOT=$PWD/node_modules/tryton-sao
//   .venv/bin/python scripts/manage.py initdb -d yx_walk --demo \
//       --customers 30 --enterprises 5 --orders 40
//   .venv/bin/trytond -c config/trytond.conf &
//   node tests/browser/walkthrough.mjs http://127.0.0.1:8010/ yx_walk \
//       [tests/artifacts/walkthrough]
//
// Status: all 24 stages pass (2026-11-25, demo database above). Each run
// creates a new order; the visit takes a slot of its own so that runs on
// the same database do not double-book the technician (which is refused).
//
// Saves one screenshot per stage (NN-<role>-<stage>.png) and the acceptance
// report (acceptance-report.pdf) in the output directory; each stage
// asserts the state shown on the form. Exits non-zero at the first stage
// that fails (a <stage>-FAILED.png shows where).
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  activeTab, button, clickButton, failStage, fieldText, fill, launch, login,
  noErrorDialog, openMenu, openByUrl, openRecord, pick, rpc, save, select,
  settle, topDialog, trackRequests,
} from './lib.mjs';

const [url, db, out = 'tests/artifacts/walkthrough'] = process.argv.slice(2);
if (!url || !db) {
  console.error('usage: node tests/browser/walkthrough.mjs <url> <database> [out dir]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
for (const file of readdirSync(out)) {
  if (/\.(png|pdf)$/.test(file)) unlinkSync(join(out, file));
}
const PASSWORD = 'yuexing2026';

// A small PNG (a 64×48 grey picture) standing for a site photo.
function png(width = 64, height = 48, shade = 160) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0); header.writeUInt32BE(height, 4);
  header[8] = 8; header[9] = 0; // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      rows[y * (width + 1) + 1 + x] = (shade + x + y) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0))]);
}

const browser = await launch();
let stageNo = 0;
let page = null;
const errors = [];

async function as(user) {
  if (page) await page.context().close();
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 }, locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  page = await context.newPage();
  trackRequests(page);
  page.on('pageerror', (e) => errors.push(`${user}: ${e}`));
  page.on('dialog', (d) => d.accept());
  await login(page, url, db, user, PASSWORD);
  await settle(page);
  return page;
}

// Run a stage: the function acts and returns the scope to check; then the
// field `state` of that scope must show `expected`. Screenshot either way.
async function stage(name, expected, fn) {
  stageNo += 1;
  const file = join(out, `${String(stageNo).padStart(2, '0')}-${name}.png`);
  try {
    const scope = (await fn()) || activeTab(page);
    await settle(page);
    if (expected) {
      const shown = await fieldText(scope, 'state');
      if (shown !== expected) {
        throw new Error(`state shows "${shown}", expected "${expected}"`);
      }
    }
    await page.screenshot({ path: file });
    console.log(`ok   ${file}${expected ? ` (${expected})` : ''}`);
  } catch (error) {
    await failStage(page, browser, errors, file, name, error);
  }
}

// The One2Many field of a form by its label.
function o2m(scope, label) {
  return scope.locator('.form-one2many').filter({
    has: scope.page().locator('.form-one2many-menu label', { hasText: label }),
  }).first();
}

async function formTab(scope, label) {
  await scope.locator('.nav-tabs a').filter({ hasText: label }).first().click();
  await settle(page);
}

async function wizardButton(label) {
  const dialog = topDialog(page);
  await dialog.locator('.modal-footer button').filter({ hasText: label })
    .first().click();
  await settle(page);
  await noErrorDialog(page);
}

// ---------------------------------------------------------------------------
// 客服: the phone call
await as('kefu');
const [customer] = await rpc(page, 'model.party.party.search_read', [
  [['customer_type', '=', 'individual'], ['contact_mechanisms.type', '=', 'mobile'],
    // Next to the demo technician (浦东新区): he comes first in the
    // recommendations.
    ['addresses.district.name', '=', '浦东新区']], 0, 1,
  [['id', 'ASC']], ['name', 'phone_display']]);
customer.phone = customer.phone_display;
if (!customer) throw new Error('no demo customer with a phone');
let number;
let quoteNumber;

await stage('kefu-call', '草稿', async () => {
  await openMenu(page, ['工单管理', '工单']);
  await settle(page);
  await activeTab(page).locator('button#new_').click();
  await settle(page);
  const tab = activeTab(page);
  // The caller's number finds the customer, the contact and the address.
  await fill(page, tab, 'caller_phone', customer.phone);
  const found = await fieldText(tab, 'customer');
  if (!found.includes(customer.name)) {
    throw new Error(`phone ${customer.phone} found "${found}", not ${customer.name}`);
  }
  await select(page, tab, 'leak_site', '厨房');
  await select(page, tab, 'severity', '中等');
  await fill(page, tab, 'quantity', '12');
  await fill(page, tab, 'description',
    '厨房地面往楼下渗水，楼下邻居天花板有水渍，已持续一周。', { tab: false });
  return tab;
});

await stage('kefu-submitted-estimate', '待受理', async () => {
  await save(page);
  await clickButton(page, '提交');
  await noErrorDialog(page);
  const tab = activeTab(page);
  number = await fieldText(tab, 'number');
  const low = await fieldText(tab, 'estimate_min');
  if (!number || !low) throw new Error(`number "${number}", estimate "${low}"`);
  console.log(`     order ${number}, instant estimate from ${low}`);
  return tab;
});

// The formal quote: one line big enough to need the manager's approval.
await stage('kefu-quote-draft', '草稿', async () => {
  await clickButton(page, '新建报价');
  await noErrorDialog(page);
  const tab = activeTab(page);
  const lines = o2m(tab, '明细');
  await lines.locator('button[title="新建"]').click();
  await settle(page);
  const row = lines.locator('tbody tr').first();
  const cell = (name) => row.locator(`[name="${name}"]`).first();
  await cell('kind').selectOption({ label: '服务项目' }).catch(() => {});
  await fill(page, row, 'description', '厨房地面防水重做（含拆除与恢复）', { tab: false });
  await fill(page, row, 'quantity', '12', { tab: false });
  await pick(page, cell('unit'), '平方米');
  await fill(page, row, 'unit_cost', '280', { tab: false });
  await fill(page, row, 'unit_price', '480', { tab: false });
  quoteNumber = await fieldText(tab, 'number');
  await save(page);
  await noErrorDialog(page);
  return tab;
});

await stage('kefu-quote-submitted', '审批中', async () => {
  await clickButton(page, '提交审批');
  await noErrorDialog(page);
});

// 项目经理 approves the quote.
await as('xiangmu');
await stage('xiangmu-quote-approved', '已审批', async () => {
  await openByUrl(page, 'yuexing.quote', 'number', quoteNumber);
  await clickButton(page, '审批通过');
  await noErrorDialog(page);
});

// 客服 sends the quote and records the customer's confirmation (by phone):
// the order goes to dispatch.
await as('kefu');
await stage('kefu-quote-sent', '待客户确认', async () => {
  await openByUrl(page, 'yuexing.quote', 'number', quoteNumber);
  await clickButton(page, '发送客户');
  await noErrorDialog(page);
});
await stage('kefu-quote-confirmed', '已确认', async () => {
  await clickButton(page, '客户已确认');
  await noErrorDialog(page);
});
await stage('kefu-order-to-dispatch', '待派工', async () => {
  await openByUrl(page, 'yuexing.work_order', 'number', number);
  await formTab(activeTab(page), '报价');
});

// 调度 dispatches from the recommendation list to the demo technician.
await as('diaodu');
const [shifu] = await rpc(page, 'model.res.user.search_read', [
  [['login', '=', 'shifu']], 0, 1, null, ['employee.rec_name']]);
const technicianName = shifu['employee.'].rec_name;
await stage('diaodu-recommendations', null, async () => {
  await openByUrl(page, 'yuexing.work_order', 'number', number);
  await clickButton(page, '派工');
  const dialog = topDialog(page);
  await dialog.locator('.treeview tbody tr').first().waitFor();
  return dialog;
});
await stage('diaodu-dispatched', '已派工', async () => {
  const dialog = topDialog(page);
  const input = dialog.locator('input[name="technician"]');
  if (await input.inputValue() !== technicianName) {
    await pick(page, input, technicianName);
  }
  await wizardButton('派工');
  await formTab(activeTab(page), '派工');
});

// 师傅 accepts, plans the visit and checks in: construction starts.
await as('shifu');
await stage('shifu-accepted', '已接单', async () => {
  await openByUrl(page, 'yuexing.work_order', 'number', number);
  await clickButton(page, '接单');
  await noErrorDialog(page);
});

// The visit is planned on the order (施工 page) and the technician checks
// in from it: the order goes to construction and its steps are laid out.
function inShanghai(minutes) {
  const date = new Date(Date.now() + minutes * 60000);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    hourCycle: 'h23' }).formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:00`;
}

await stage('shifu-visit-planned', '已接单', async () => {
  const tab = activeTab(page);
  await formTab(tab, '施工');
  const visits = o2m(tab, '上门记录');
  await visits.locator('button[title="新建"]').click();
  await settle(page);
  const dialog = topDialog(page);
  await pick(page, dialog.locator('input[name="technician"]'), technicianName);
  // The technician cannot be booked twice: each run of the script on the
  // same database takes another 3-hour slot (by its order number).
  const slot = 5 + (parseInt(number.slice(-2), 10) % 7) * 200;
  await fill(page, dialog, 'planned_start', inShanghai(slot));
  await fill(page, dialog, 'planned_end', inShanghai(slot + 180));
  await dialog.locator('.modal-footer button.btn-primary').click();
  await settle(page);
  await save(page);
  await noErrorDialog(page);
  return tab;
});

await stage('shifu-checked-in', '施工中', async () => {
  const tab = activeTab(page);
  const visits = o2m(tab, '上门记录');
  await visits.locator('.treeview tbody tr td').nth(2).dblclick();
  await settle(page);
  const dialog = topDialog(page);
  await button(dialog, '到场签到').click();
  await settle(page);
  await noErrorDialog(page);
  if (await topDialog(page).isVisible()) {
    await topDialog(page).locator('.modal-footer button.btn-primary').click();
    await settle(page);
  }
  await activeTab(page).locator('button#reload').click();
  await settle(page);
  await formTab(activeTab(page), '施工');
  return activeTab(page);
});

// Each step: start, two site photos attached, complete (in the steps tab
// opened from the order: 关联 → 施工步骤).
const photo = png();
await stage('shifu-steps', null, async () => {
  await activeTab(page).locator('button#relate').click();
  await page.locator('#tabcontent > .tab-pane.active .dropdown-menu a, .dropdown-menu:visible a')
    .filter({ hasText: '施工步骤' }).first().click();
  await settle(page);
  const tab = activeTab(page);
  await tab.locator('.treeview tbody tr').first().waitFor();
  return tab;
});
const stepCount = await activeTab(page).locator('.treeview tbody tr').count();
for (let index = 0; index < stepCount; index += 1) {
  await stage(`shifu-step-${index + 1}-done`, '已完工', async () => {
    let tab = activeTab(page);
    if (index === 0) {
      await tab.locator('.treeview tbody tr td').filter({ hasText: /\S/ }).nth(0).dblclick();
    } else {
      await tab.locator('button#next').click();
    }
    await settle(page);
    tab = activeTab(page);
    await clickButton(page, '开始');
    await noErrorDialog(page);
    for (let n = 1; n <= 2; n += 1) {
      // 附件 → 添加…: the menu entry is a file input; the chosen file
      // opens the attachments window with the new attachment, saved by OK
      await tab.locator('button#attach').click();
      await page.locator('.dropdown-menu:visible li.input-file input[type="file"]')
        .first().setInputFiles({
          name: `step${index + 1}-photo${n}.png`, mimeType: 'image/png',
          buffer: photo });
      await settle(page);
      const dialog = topDialog(page);
      await dialog.locator('.modal-footer button.btn-primary').click();
      await settle(page);
    }
    await tab.locator('button#reload').click();
    await settle(page);
    await clickButton(page, '完成');
    await noErrorDialog(page);
    return tab;
  });
}

await stage('shifu-construction-finished', '待验收', async () => {
  await openByUrl(page, 'yuexing.work_order', 'number', number);
  await clickButton(page, '施工完成');
  await noErrorDialog(page);
  await formTab(activeTab(page), '施工');
});

// 项目经理: quality inspection.
await as('xiangmu');
await stage('xiangmu-inspection', null, async () => {
  await openByUrl(page, 'yuexing.work_order', 'number', number);
  await clickButton(page, '质量检查');
  const dialog = topDialog(page);
  await dialog.locator('.treeview tbody tr').first().waitFor();
  return dialog;
});
await stage('xiangmu-inspected', '待验收', async () => {
  await wizardButton('保存结果');
  await formTab(activeTab(page), '验收');
});

// The customer signs on the technician's tablet (here: 客服 records it).
await as('kefu');
await stage('kefu-customer-signature', null, async () => {
  await openByUrl(page, 'yuexing.work_order', 'number', number);
  await clickButton(page, '客户验收签字');
  const dialog = topDialog(page);
  await dialog.locator('input[type="file"]').first().setInputFiles({
    name: 'signature.png', mimeType: 'image/png', buffer: png(240, 80, 40) });
  await settle(page);
  return dialog;
});
await stage('kefu-order-done', '已完工', async () => {
  await wizardButton('确认验收');
  await formTab(activeTab(page), '验收');
});

// The acceptance report (PDF), then the archive.
await stage('kefu-acceptance-report', null, async () => {
  const download = page.waitForEvent('download', { timeout: 60000 });
  await activeTab(page).locator('button#print').click();
  const entry = page.locator('.dropdown-menu:visible a').filter({ hasText: '验收' }).first();
  if (await entry.isVisible().catch(() => false)) await entry.click();
  const file = await download;
  await file.saveAs(join(out, 'acceptance-report.pdf'));
  console.log(`     report saved as ${join(out, 'acceptance-report.pdf')}`);
  await settle(page);
});
await stage('kefu-archived', '已归档', async () => {
  await clickButton(page, '归档');
  await noErrorDialog(page);
  await formTab(activeTab(page), '历史');
});

if (errors.length) {
  console.error('page errors:', errors.join('; '));
  process.exitCode = 1;
}
console.log(`walkthrough: order ${number} from call to archive, screenshots in ${out}`);
await browser.close();
