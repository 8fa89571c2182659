import { join } from 'node:path';
// Helpers to drive the Tryton web client (sao) with playwright-core.
import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync'],
  });
}

export async function login(page, url, db, user, password) {
  await page.goto(url);
  const dialog = page.locator('.modal-dialog:visible');
  await dialog.waitFor();
  // The database is a read-only field when the server lists one database,
  // a selection when it lists several, a text field when it lists none.
  await page.waitForTimeout(1000);
  const dbSelect = dialog.locator('select#database');
  const dbInput = dialog.locator('input#database');
  if (await dbSelect.isVisible()) {
    await dbSelect.selectOption(db);
  } else if (await dbInput.isVisible()
      && (await dbInput.inputValue()) !== db) {
    if (await dbInput.isEditable()) {
      await dbInput.fill(db);
    } else {
      throw new Error(`database ${db} is not offered by the server`);
    }
  }
  await dialog.locator('input#login, input[name="login"]').first().fill(user);
  await dialog.locator('button[type="submit"], button.btn-primary').first().click();
  const password_ = page.locator('.modal-dialog:visible input[type="password"]');
  await password_.waitFor();
  await password_.fill(password);
  await password_.press('Enter');
  // Logged in: the menu tree is shown.
  await page.locator('#menu .treeview, #menu table').first().waitFor({ timeout: 30000 });
}

export async function openMenu(page, labels) {
  for (const [index, label] of labels.entries()) {
    const row = page.locator('#menu tr').filter({
      has: page.getByText(label, { exact: true }) }).first();
    await row.waitFor();
    if (index < labels.length - 1) {
      // Expand the parent unless it is already (a second call).
      const next = page.locator('#menu tr').filter({
        has: page.getByText(labels[index + 1], { exact: true }) }).first();
      if (!await next.isVisible()) {
        await row.locator('.expander').first().click().catch(() => row.click());
        await page.waitForTimeout(300);
      }
    } else {
      // One click opens the entry (a double click may open it twice).
      await row.click();
    }
  }
}


// ---- helpers of the walkthrough (tests/browser/walkthrough.mjs) ----------

// The content of the tab in front, and the dialog on top (if any).
export const activeTab = (page) => page.locator('#tabcontent > .tab-pane.active');
export const topDialog = (page) => page.locator('.modal.in .modal-dialog').last();

// Wait until the client has no JSON-RPC call in flight (and a little more
// for the display to follow). The page must have been prepared by
// trackRequests().
export function trackRequests(page) {
  page._inflight = 0;
  const rpc = (request) => request.method() === 'POST'
    && !request.url().includes('/bus');
  page.on('request', (r) => { if (rpc(r)) page._inflight += 1; });
  const done = (r) => { if (rpc(r)) page._inflight -= 1; };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
}

export async function settle(page, quiet = 400, timeout = 30000) {
  const start = Date.now();
  let since = Date.now();
  while (Date.now() - start < timeout) {
    await page.waitForTimeout(100);
    if (page._inflight > 0) since = Date.now();
    else if (Date.now() - since >= quiet) return;
  }
  throw new Error('the client is still busy after ' + timeout + ' ms');
}

// Call the server with the session of the logged-in user (JSON-RPC through
// the web client itself), e.g. rpc(page, 'model.party.party.search_read',
// [domain, 0, 1, null, ['name']]).
export function rpc(page, method, params) {
  return page.evaluate(([method, params]) => new Promise((resolve, reject) => {
    const session = window.Sao.Session.current_session;
    window.Sao.rpc({ method, params: [...params, session.context] }, session,
      true, false).then(resolve, (error) => reject(new Error(JSON.stringify(error))));
  }), [method, params]);
}

// A button of the form in front (or of the given scope) by its label.
export function button(scope, label) {
  return scope.locator('button:visible').filter({
    has: scope.page().getByText(label, { exact: true }) }).first();
}

export async function clickButton(page, label, scope = null) {
  const target = button(scope || activeTab(page), label);
  await target.waitFor({ timeout: 15000 });
  await target.click();
  await settle(page);
}

// The text shown by a form field (input, selection or text).
export async function fieldText(scope, name) {
  const widget = scope.locator(`[name="${name}"]`).first();
  await widget.waitFor({ state: 'attached' });
  return widget.evaluate((el) => {
    if (el.tagName === 'SELECT') {
      return el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : '';
    }
    return el.value !== undefined ? el.value : el.textContent;
  });
}

export async function fill(page, scope, name, value, { tab = true } = {}) {
  const visible = () => scope.locator(
    `input[name="${name}"]:visible, textarea[name="${name}"]:visible`).first();
  // Numbers show a text input that turns into a number input on focus.
  await visible().click();
  await page.waitForTimeout(150);
  const widget = visible();
  await widget.fill(String(value));
  if (tab) await widget.press('Tab');
  await settle(page);
}

export async function select(page, scope, name, label) {
  await scope.locator(`select[name="${name}"]:visible`).first().selectOption({ label });
  await settle(page);
}

// Save the record of the tab in front (Ctrl+S) and wait for the server.
export async function save(page) {
  await activeTab(page).locator('button#save').click();
  await settle(page);
}

// Open a menu entry, choose a tab of its list (草稿/全部...) and open the
// record found by the search text (its number).
export async function openRecord(page, menu, text, domainTab = null) {
  await openMenu(page, menu);
  await settle(page);
  const tab = activeTab(page);
  if (domainTab) {
    const link = tab.locator('.nav-tabs li').filter({ hasText: domainTab }).first();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await link.locator('a').click();
      await settle(page);
      if ((await link.getAttribute('class') || '').includes('active')) break;
      await page.waitForTimeout(500);
    }
  }
  const search = tab.locator('.filter-box input.form-control').first();
  await search.fill(text);
  await search.press('Enter');
  await settle(page);
  // The cell of the searched text: other cells may be links (customer...)
  // that open another tab.
  const row = tab.locator('.treeview tbody tr td').filter({ hasText: text }).first();
  // The list may still be redrawn after the search: retry until the form
  // shows up.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await row.dblclick({ timeout: 10000 }).catch(() => {});
    await settle(page);
    if (await tab.locator('.form [name="state"]').first().isVisible()) return;
    await page.waitForTimeout(500);
  }
  throw new Error(`could not open ${text} from ${menu.join(' / ')}`);
}

// Open the form of the record of `model` whose `field` is `value` through
// the client's URL (#<database>/model/<model>/<id>), in a new tab.
export async function openByUrl(page, model, field, value) {
  const [record] = await rpc(page, `model.${model}.search`,
    [[[field, '=', value]], 0, 1, null]);
  if (!record) throw new Error(`no ${model} with ${field} = ${value}`);
  await page.evaluate(([model, id]) => {
    const db = window.Sao.Session.current_session.database;
    window.location.hash = `#${db}/model/${model}/${id}`;
  }, [model, record]);
  await settle(page);
  await activeTab(page).locator('.form [name="state"]').first()
    .waitFor({ timeout: 20000 });
  await settle(page);
}

// Fill a Many2One input and pick the record named `text` (from the search
// window when the client opens one).
export async function pick(page, input, text) {
  const dialogs = page.locator('.modal.in .modal-dialog');
  const before = await dialogs.count();
  if (await input.inputValue()) {
    // sao offers no completion while the field holds a record: clear it
    // with the field's clear icon, as a user does
    await input.locator('xpath=..').locator('.icon-secondary').click();
    await settle(page);
    await input.click();
  }
  await input.fill(text);
  await input.press('Tab');
  await settle(page);
  if (await dialogs.count() > before) {
    const dialog = dialogs.last();
    await dialog.locator('tbody tr').filter({ hasText: text }).first().click();
    await dialog.locator('.modal-footer button.btn-primary').click();
    await settle(page);
  }
}

// The dialog of a warning/error raised by the server, if any, as a failure.
export async function noErrorDialog(page) {
  const dialog = page.locator('.modal.in .alert-danger, .modal.in .modal-header.alert-danger');
  if (await dialog.count()) {
    throw new Error('error dialog: '
      + await page.locator('.modal.in').last().innerText());
  }
}

// A failed stage of a walkthrough: saves <file>-FAILED.png, prints the error
// with the server's dialog and the page errors, closes the browser, exits 1.
export async function failStage(page, browser, errors, file, name, error) {
  await page.screenshot({ path: file.replace(/\.png$/, '-FAILED.png') })
    .catch(() => {});
  const warning = await page.locator('.modal.in .modal-body').last()
    .innerText({ timeout: 500 }).catch(() => '');
  console.error(`FAIL ${name}: ${error.message}${warning ? `\n     dialog: ${warning}` : ''}`);
  if (errors.length) console.error('page errors:', errors.join('; '));
  await browser.close();
  process.exit(1);
}

// A walk through menus with a screenshot of each list (and of its first
// record's form or its graph), as a role sees them; fails on an error
// dialog. entries: [menu labels, file name, open ('graph', true, false),
// domain tab label].
export function walker(browser, url, db, out, errors) {
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


  return { session, shot, walk, openFirst, domainTab };
}
