// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { multipart } from '../src/lib/multipart';

describe('multipart', () => {
  it('builds a body a standard parser reads back field by field', async () => {
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 255, 13, 10, 45, 45]);
    const { body, contentType } = multipart([
      ['image_sha256', 'ab'.repeat(32)],
      ['mask', { bytes: png, type: 'image/png', filename: 'mask.png' }],
      ['settings', '{"cv2_radius":5,"note":"ü"}'],
      ['crop', 'changed'],
    ]);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=----mend[0-9a-f]{24}$/);
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    expect([...form.keys()]).toEqual(['image_sha256', 'mask', 'settings', 'crop']);
    expect(form.get('image_sha256')).toBe('ab'.repeat(32));
    expect(form.get('settings')).toBe('{"cv2_radius":5,"note":"ü"}');
    expect(form.get('crop')).toBe('changed');
    const mask = form.get('mask') as File;
    expect(mask.type).toBe('image/png');
    expect(mask.name).toBe('mask.png');
    expect(new Uint8Array(await mask.arrayBuffer())).toEqual(png);
  });
});
