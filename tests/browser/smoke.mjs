// Browser smoke test: a dispatcher logs into the web client (tryton-sao) and
// opens the customer list. Usage:
//   node tests/browser/smoke.mjs <base url> <database> <artifacts dir>
// Exits non-zero on any failure; saves screenshots in the artifacts dir.
import { launch, login, openMenu } from './lib.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [baseUrl, database, artifacts] = process.argv.slice(2);

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const browser = await launch();
  const page = await browser.newPage({
    viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  try {
    await login(page, baseUrl, database, 'diaodu', 'yuexing2026');
    await page.screenshot({ path: join(artifacts, 'smoke-01-menu.png') });
    await openMenu(page, ['客户管理', '客户']);
    // The customer list shows rows of demo customers.
    const rows = page.locator('.tab-pane.active table.tree tbody tr, .tab-pane.active .treeview tbody tr');
    await rows.first().waitFor({ timeout: 30000 });
    const count = await rows.count();
    await page.screenshot({ path: join(artifacts, 'smoke-02-customers.png') });
    if (count < 5) throw new Error(`customer list shows ${count} rows`);
    const header = await page.locator('.tab-pane.active').innerText();
    for (const expected of ['名称', '客户类型', '等级']) {
      if (!header.includes(expected)) {
        throw new Error(`column "${expected}" missing from the customer list`);
      }
    }
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));
    console.log(`browser smoke: OK (${count} customer rows, screenshots in ${artifacts})`);
  } catch (error) {
    await page.screenshot({ path: join(artifacts, 'smoke-failure.png') }).catch(() => {});
    console.error('browser smoke: FAILED:', error.message);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
