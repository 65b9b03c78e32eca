// The empty-state message of the canvas.
import { OpenButton } from './OpenButton';

export function DropHint() {
  return (
    <div className="drop-hint">
      <h1>Remove anything from a photo</h1>
      <p>Drop an image here, paste one (Ctrl+V), or</p>
      <OpenButton primary />
      <p className="muted">PNG, JPEG, WebP, BMP, GIF, TIFF — the result keeps the original format.</p>
    </div>
  );
}
