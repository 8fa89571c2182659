// Developer tool: screenshots of the main screens as several roles.
//   node tests/browser/shots.mjs <url> <db> <out dir> <login> <menu path|...>
import { launch, login, openMenu } from './lib.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, db, out, user, ...paths] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on('pageerror', (e) => console.log('PAGEERROR', String(e)));
await login(page, url, db, user, 'yuexing2026');
let index = 0;
for (const path of paths) {
  const [menu, action] = path.split('@');
  await openMenu(page, menu.split('/'));
  await page.waitForTimeout(2500);
  if (action === 'open') {
    await page.locator('.tab-pane.active table tbody tr').first().dblclick();
    await page.waitForTimeout(2500);
  }
  index += 1;
  const file = join(out, `${user}-${String(index).padStart(2, '0')}.png`);
  await page.screenshot({ path: file });
  console.log('saved', file);
  await page.keyboard.press('Escape');
}
await browser.close();
