// Developer tool: the 文件中心 in the web client (issue 17).
//   node tests/browser/file_shots.mjs <url> <db> <out dir>
// 1. As 调度 (diaodu): open a work order, drop 20 construction photos on the
//    attachment (paper clip) button of the toolbar — a real 'drop' event
//    whose DataTransfer holds 20 JPEG File objects drawn on a canvas — save
//    the attachment dialog and check that the work order has 20 more
//    attachments (server count and the button's badge).
// 2. As 管理层 (guanli): the documents list, a document form (preview,
//    versions, a version, shares), categories, shares, tags and uploads;
//    one screenshot each in <out dir>/files-*.png.
// Fails on an error dialog, a page error or English words in the labels on
// screen (field labels, column headers, tabs, buttons, titles).
import {
  launch, login, openMenu, settle, activeTab, topDialog, noErrorDialog,
  trackRequests, rpc,
} from './lib.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, db, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();
const errors = [];
const problems = [];
const PHOTOS = 20;

async function session(user) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  trackRequests(page);
  page.on('pageerror', (e) => errors.push(String(e)));
  await login(page, url, db, user, 'yuexing2026');
  return page;
}

// Words allowed in a label: abbreviations that are Chinese usage too.
const ALLOWED = new Set(['PDF', 'SHA', 'URL', 'SBS', 'SLA', 'MIME', 'OSS',
  'DEL']);
// Strings of the web client itself left untranslated by sao's zh_CN
// catalogue (node_modules/tryton-sao/locale): not this project's labels,
// reported once at the end.
const CLIENT = new Set(['Email...', 'Restore']);
const clientSeen = new Set();

// The English words in the labels of the tab in front and of the dialog on
// top: field labels, column headers, notebook tabs, buttons and titles.
async function englishLabels(page) {
  const texts = await page.evaluate(() => {
    const scopes = [
      document.querySelector('#tabcontent > .tab-pane.active'),
      ...document.querySelectorAll('.modal.in .modal-dialog'),
      document.querySelector('#tablist li.active'),
    ].filter(Boolean);
    const selector = ['label', 'th', '.nav-tabs a', 'button', '.modal-title',
      '.title', 'legend', '.form-separator', 'a.dropdown-toggle'].join(',');
    const seen = [];
    for (const scope of scopes) {
      for (const el of scope.querySelectorAll(selector)) {
        if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
        const text = (el.innerText || '').trim();
        if (text) seen.push(text);
        const title = el.getAttribute('title');
        if (title && el.tagName === 'BUTTON') seen.push(title);
      }
    }
    return seen;
  });
  const bad = new Set();
  for (const text of texts) {
    if (CLIENT.has(text)) {
      clientSeen.add(text);
      continue;
    }
    // Words of letters only: codes such as GD20261200001 are data.
    for (const word of text.match(/(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])/g) || []) {
      if (!ALLOWED.has(word.toUpperCase())) {
        bad.add(text.length > 60 ? word : text);
      }
    }
  }
  return [...bad];
}

async function shot(page, name) {
  await settle(page);
  await page.waitForTimeout(800);
  await noErrorDialog(page);
  const file = join(out, `files-${name}.png`);
  await page.screenshot({ path: file });
  const english = await englishLabels(page);
  if (english.length) {
    problems.push(`${name}: English labels: ${english.join(' | ')}`);
  }
  console.log('saved', file, english.length ? `(English: ${english.join(' | ')})` : '');
}

async function openFirst(page, text = null) {
  let row = activeTab(page).locator('.treeview tbody tr');
  if (text) row = row.filter({ hasText: text });
  await row.first().dblclick();
  await settle(page);
}

async function notebookTab(page, label) {
  await activeTab(page).locator('.form .nav-tabs a')
    .filter({ hasText: label }).first().click();
  await settle(page);
}

async function closeDialog(page) {
  const dialog = topDialog(page);
  await dialog.locator('.modal-footer button').filter({ hasText: /关闭|取消|放弃更改/ })
    .first().click();
  await settle(page);
}

async function closeTab(page) {
  await page.locator('#tablist li.active .close').first().click();
  await settle(page);
  // A modified record asks whether to save: do not.
  const dialog = page.locator('.modal.in .modal-dialog');
  if (await dialog.count()) {
    await dialog.last().locator('button').filter({ hasText: /否|放弃|No/ })
      .first().click().catch(() => {});
    await settle(page);
  }
}

let failed = false;
try {
  // ---- 1. 20 photos dropped on a work order (调度) --------------------------
  const dispatcher = await session('diaodu');
  // A work order without attachments (the tool may run twice on a database).
  const orders = await rpc(dispatcher, 'model.yuexing.work_order.search_read',
    [[], 0, 200, [['id', 'ASC']], ['number']]);
  const attached = new Set((await rpc(dispatcher,
    'model.ir.attachment.search_read', [[['resource', 'like',
      'yuexing.work_order,%']], 0, null, null, ['resource']]))
    .map((a) => a.resource));
  const order = orders.find((o) => !attached.has(`yuexing.work_order,${o.id}`))
    || orders[0];
  const resource = `yuexing.work_order,${order.id}`;
  const countAttachments = () => rpc(dispatcher,
    'model.ir.attachment.search_count', [[['resource', '=', resource]]]);
  const before = await countAttachments();
  await dispatcher.evaluate((id) => {
    const db_ = window.Sao.Session.current_session.database;
    window.location.hash = `#${db_}/model/yuexing.work_order/${id}`;
  }, order.id);
  await settle(dispatcher);
  const attach = activeTab(dispatcher).locator('button#attach').first();
  await attach.waitFor({ timeout: 20000 });
  await settle(dispatcher);
  await shot(dispatcher, 'workorder-form');

  // The photos: JPEGs drawn on a canvas (a coloured wall and a label), in a
  // DataTransfer dropped on the paper clip as the browser does for files
  // dragged from the desktop.
  await attach.evaluate(async (button, count) => {
    const transfer = new DataTransfer();
    for (let i = 1; i <= count; i += 1) {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 240;
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = `hsl(${(i * 37) % 360}, 45%, 55%)`;
      ctx.fillRect(0, 0, 320, 240);
      ctx.fillStyle = '#333';
      ctx.fillRect(0, 170, 320, 70);
      ctx.fillStyle = '#fff';
      ctx.font = '28px sans-serif';
      ctx.fillText(`施工照片 ${i}`, 20, 215);
      const blob = await new Promise((resolve) => canvas.toBlob(
        resolve, 'image/jpeg', 0.8));
      transfer.items.add(new File([blob],
        `施工照片-${String(i).padStart(2, '0')}.jpg`, { type: 'image/jpeg' }));
    }
    for (const type of ['dragenter', 'dragover', 'drop']) {
      button.dispatchEvent(new DragEvent(type, {
        bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
  }, PHOTOS);
  const dialog = topDialog(dispatcher);
  await dialog.waitFor({ timeout: 20000 });
  // The dialog lists the dropped files as new attachments.
  const rows = dialog.locator('.treeview tbody tr:not(.more-row)')
    .filter({ hasText: '施工照片' });
  const start = Date.now();
  while (await rows.count() < PHOTOS && Date.now() - start < 60000) {
    await dispatcher.waitForTimeout(300);
  }
  await settle(dispatcher);
  console.log('attachment dialog rows:', await rows.count());
  await shot(dispatcher, 'workorder-attachments-dropped');
  await dialog.locator('.modal-footer button.btn-primary').first().click();
  await settle(dispatcher, 800, 120000);
  await noErrorDialog(dispatcher);
  const after = await countAttachments();
  const badge = (await attach.locator('.badge').innerText().catch(() => '')).trim();
  console.log(`attachments of ${order.number}: ${before} -> ${after} (badge ${badge})`);
  if (after - before !== PHOTOS) {
    problems.push(`drop: ${after - before} attachments saved, ${PHOTOS} expected`);
  }
  if (badge !== String(after)) {
    problems.push(`drop: the paper clip shows "${badge}", ${after} expected`);
  }
  await shot(dispatcher, 'workorder-attached');
  // The attachment dialog of the record (opened by the paper clip).
  await attach.click();
  await settle(dispatcher);
  const menuEntry = activeTab(dispatcher).locator('.dropdown-menu:visible a')
    .filter({ hasText: /管理|Manage/ }).first();
  if (await menuEntry.count()) {
    await menuEntry.click();
    await settle(dispatcher);
  }
  if (await dispatcher.locator('.modal.in .modal-dialog').count()) {
    const listed = await topDialog(dispatcher)
      .locator('.treeview tbody tr').filter({ hasText: '施工照片' }).count();
    console.log('attachment dialog lists', listed, 'photos');
    await shot(dispatcher, 'workorder-attachment-dialog');
    await closeDialog(dispatcher);
  }
  await closeTab(dispatcher);

  // The document library as the dispatcher sees it.
  await openMenu(dispatcher, ['文件中心', '文档库']);
  await shot(dispatcher, 'documents-dispatcher');
  await dispatcher.close();

  // ---- 2. the file centre (管理层) -------------------------------------------
  const page = await session('guanli');
  await openMenu(page, ['文件中心', '文档库']);
  await shot(page, 'documents-list');
  await openFirst(page, '屋面防水施工图');
  await shot(page, 'document-form-preview');
  await notebookTab(page, '版本');
  await shot(page, 'document-form-versions');
  await activeTab(page).locator('.form .tab-pane.active .treeview tbody tr')
    .first().dblclick();
  await settle(page);
  await shot(page, 'document-version');
  if (await page.locator('.modal.in .modal-dialog').count()) {
    await closeDialog(page);
  }
  await notebookTab(page, '分享');
  await shot(page, 'document-form-shares');
  await notebookTab(page, '文件内容');
  await shot(page, 'document-form-text');
  await closeTab(page);

  // open: the row to open (its text), true for the first, false for none.
  for (const [menu, name, open] of [
    ['文档分类', 'categories', '施工图纸'],
    ['文档分享', 'shares', '分享链接'],
    ['文档标签', 'tags', false],
    ['断点续传记录', 'uploads', false],
  ]) {
    await openMenu(page, ['文件中心', menu]);
    await shot(page, `${name}-list`);
    if (open) {
      await openFirst(page, open === true ? null : open);
      await shot(page, `${name}-form`);
      await closeTab(page);
    }
  }
} catch (error) {
  failed = true;
  console.error('FAIL', error.message);
  for (const context of browser.contexts()) {
    for (const p of context.pages()) {
      await p.screenshot({ path: join(out, 'files-FAILED.png') }).catch(() => {});
    }
  }
}
await browser.close();
if (clientSeen.size) {
  console.log('untranslated strings of sao itself:', [...clientSeen].join(' | '));
}
for (const problem of problems) console.log('PROBLEM', problem);
if (errors.length) console.log('PAGE ERRORS', errors);
if (failed || problems.length || errors.length) process.exit(1);
