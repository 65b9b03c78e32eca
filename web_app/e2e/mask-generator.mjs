// The mask-generator tool against the real server and the first-party `magic-wand` plugin:
// arm the wand in the toolbar, click the red disc, the picked region is merged into the mask
// (one undoable step: undo clears it, redo brings it back), Erase removes the disc, and the
// mask the editor sent (its `POST /api/v1/edit` form) covers the disc and nothing far from it. Run by run.mjs.

/** Masked pixels on the editor's mask overlay. */
const overlayCount = (page) =>
  page.evaluate(() => {
    const c = document.querySelector('[data-testid=mask-canvas]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 127) n++;
    return n;
  });

export async function maskGeneratorTests({ test, assert, page, photo, W, H, DISC, shot, waitResults, edits, settled }) {
  await test('magic wand: click selects the disc, merge is undoable, erase removes it', async () => {
    await page.locator('[data-testid=file-input]').setInputFiles(photo);
    await page.waitForFunction(() => document.querySelector('[data-testid=status-text]')?.textContent?.includes('step 0 of 0'));
    await page.getByRole('radio', { name: 'Local', exact: true }).click();
    await page.locator('.toolbar .check input').uncheck();
    await page.getByRole('tab', { name: 'Plugins' }).click();
    const card = page.locator('[data-plugin=magic-wand]');
    await card.waitFor({ timeout: 20000 });
    // The disc is shaded from 225 down to ~150 in red: a tolerance of 90 takes all of it.
    await card.locator('input[type=number]').first().fill('90');

    const wand = page.locator('[data-testid=mask-generator-tool] button');
    await wand.click();
    assert((await wand.getAttribute('aria-pressed')) === 'true', 'the wand is not armed');
    const box = await page.locator('.stage').boundingBox();
    await page.mouse.click(box.x + (DISC.cx / W) * box.width, box.y + (DISC.cy / H) * box.height);
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid=mask-canvas]');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 127) return true;
      return false;
    }, null, { timeout: 15000 });
    const picked = await overlayCount(page);
    const disc = Math.PI * DISC.r * DISC.r;
    console.log(`     wand picked ${picked} px (disc ${Math.round(disc)} px)`);
    assert(picked > disc * 0.95 && picked < disc * 1.3, `picked ${picked} px for a ${Math.round(disc)} px disc`);
    await shot('magic-wand');

    await page.keyboard.press('Control+z');
    assert((await overlayCount(page)) === 0, 'undo did not remove the picked mask');
    await page.keyboard.press('Control+Shift+z');
    assert((await overlayCount(page)) === picked, 'redo did not restore the picked mask');

    await wand.click(); // put the wand down
    const n = await page.evaluate(() => window.__results.length);
    await page.getByRole('button', { name: /^Erase$/ }).click();
    await waitResults(n + 1);
    await settled();
    const sent = (await edits()).at(-1);
    const check = await page.evaluate(async ({ sentMask, disc }) => {
      const load = (src) => new Promise((ok, no) => { const i = new Image(); i.onload = () => ok(i); i.onerror = no; i.src = src; });
      const pixels = (img) => { const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight; const x = c.getContext('2d'); x.drawImage(img, 0, 0); return x.getImageData(0, 0, c.width, c.height).data; };
      const [mask, after] = await Promise.all([load(`data:${sentMask.type};base64,${sentMask.file}`), load(document.querySelector('[data-testid=result-image]').src)]);
      const m = pixels(mask), a = pixels(after);
      let inDisc = 0, maskedInDisc = 0, maskedFar = 0, redLeft = 0;
      for (let y = 0, i = 0; y < mask.naturalHeight; y++) {
        for (let x = 0; x < mask.naturalWidth; x++, i += 4) {
          const d2 = (x - disc.cx) ** 2 + (y - disc.cy) ** 2;
          const masked = m[i] > 127;
          if (d2 <= disc.r ** 2) { inDisc++; if (masked) maskedInDisc++; if (a[i] > 140 && a[i + 1] < 80 && a[i + 2] < 80) redLeft++; }
          else if (d2 > (disc.r + 6) ** 2 && masked) maskedFar++;
        }
      }
      return { inDisc, maskedInDisc, maskedFar, redLeft };
    }, { sentMask: sent.mask, disc: DISC });
    console.log(`     erase mask: ${check.maskedInDisc}/${check.inDisc} disc px, ${check.maskedFar} px far outside; red left ${check.redLeft}`);
    assert(check.maskedInDisc > check.inDisc * 0.98, 'the sent mask misses part of the disc');
    assert(check.maskedFar === 0, `${check.maskedFar} px masked far from the disc`);
    assert(check.redLeft < 50, `${check.redLeft} red pixels left`);
  });
}
