// Applies the theme setting to <html data-theme>.
import { useEffect } from 'react';
import { useSettings } from '../state/settings';

export function useTheme(): void {
  const theme = useSettings((s) => s.theme);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: light)');
    const apply = (): void => {
      document.documentElement.dataset.theme = theme === 'system' ? (mq.matches ? 'light' : 'dark') : theme;
    };
    apply();
    mq.addEventListener('change', apply);
    return () => mq.removeEventListener('change', apply);
  }, [theme]);
}
