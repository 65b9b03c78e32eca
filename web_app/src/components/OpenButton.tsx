// "Open image" button with a hidden file input.
import { useRef } from 'react';
import { openFile } from '../actions/steps';
import { Icon } from './Icon';

export function OpenButton({ primary = false }: { primary?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={primary ? 'btn primary' : 'btn'} onClick={() => input.current?.click()} title="Open an image (Ctrl+O)">
        <Icon name="open" /> Open image
      </button>
      <input
        ref={input}
        id={primary ? 'file-input-main' : 'file-input'}
        data-testid={primary ? 'file-input-main' : 'file-input'}
        type="file"
        accept="image/*"
        hidden
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void openFile(f, f.name);
          e.target.value = '';
        }}
      />
    </>
  );
}
