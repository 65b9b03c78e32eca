// A small inline SVG icon set (no icon font, works offline).
const PATHS = {
  open: 'M4 5h6l2 2h8v12H4z',
  brush: 'M14 4l6 6-9 9H5v-6z',
  erase: 'M16 4l5 5-10 10H6l-3-3z M3 21h18',
  undo: 'M9 7L4 12l5 5 M4 12h11a5 5 0 010 10h-3',
  redo: 'M15 7l5 5-5 5 M20 12H9a5 5 0 000 10h3',
  fit: 'M4 9V4h5 M20 9V4h-5 M4 15v5h5 M20 15v5h-5',
  compare: 'M12 3v18 M4 5h6v14H4z M14 5h6v14h-6z',
  download: 'M12 4v11 M7 10l5 5 5-5 M5 20h14',
  run: 'M7 4l12 8-12 8z',
  sun: 'M12 7a5 5 0 110 10 5 5 0 010-10z M12 1v2 M12 21v2 M1 12h2 M21 12h2',
  moon: 'M20 14A8 8 0 0110 4a8 8 0 1010 10z',
  trash: 'M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13',
  close: 'M6 6l12 12 M18 6L6 18',
  zoomIn: 'M11 4a7 7 0 110 14 7 7 0 010-14z M21 21l-5-5 M11 8v6 M8 11h6',
  zoomOut: 'M11 4a7 7 0 110 14 7 7 0 010-14z M21 21l-5-5 M8 11h6',
  cloud: 'M7 18h10a4 4 0 000-8 6 6 0 00-11.5 2A3 3 0 007 18z',
  chip: 'M7 7h10v10H7z M10 3v4 M14 3v4 M10 17v4 M14 17v4 M3 10h4 M3 14h4 M17 10h4 M17 14h4',
  upload: 'M12 20V9 M7 14l5-5 5 5 M5 4h14',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}
