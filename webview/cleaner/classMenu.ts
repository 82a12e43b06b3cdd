// "Move to class…": a small menu of the run's classes under the button that opened it, as VS Code's context menus
// behave: arrow keys move, Home/End jump, Enter or Space chooses, Escape (or Tab, or a click elsewhere) closes and
// focus goes back to the button.
import { codicon, el } from '../dom';

let open: { menu: HTMLElement; close: () => void } | undefined;

export function closeClassMenu(): void {
  open?.close();
}

/** Opens the menu inside `host` (positioned below it); `current` is shown checked and is not a choice. */
export function openClassMenu(
  host: HTMLElement, opener: HTMLElement, classes: readonly string[], current: string | undefined,
  choose: (cls: string) => void,
): void {
  closeClassMenu();
  const items = classes.map((c) => {
    const item = el('button', {
      type: 'button', role: 'menuitemradio', class: 'cleaner-menu-item', 'aria-checked': String(c === current),
      tabindex: '-1',
    }, codicon(c === current ? 'check' : 'blank'), el('span', {}, c));
    if (c === current) item.setAttribute('aria-disabled', 'true');
    item.addEventListener('click', (e) => {
      e.stopPropagation();
      if (c === current) return;
      close(true);
      choose(c);
    });
    return item;
  });
  const menu = el('div', { class: 'cleaner-menu', role: 'menu', 'aria-label': 'Move to class' }, ...items);
  const onOutside = (e: MouseEvent) => {
    if (!menu.contains(e.target as Node)) close(false);
  };
  function close(refocus: boolean): void {
    menu.remove();
    document.removeEventListener('mousedown', onOutside, true);
    if (open?.menu === menu) open = undefined;
    if (refocus) opener.focus();
  }
  menu.addEventListener('keydown', (e) => {
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => items[(to + items.length) % items.length].focus();
    if (e.key === 'ArrowDown') move(i + 1);
    else if (e.key === 'ArrowUp') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(items.length - 1);
    else if (e.key === 'Escape') close(true);
    else if (e.key === 'Tab') close(false);
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  host.append(menu);
  document.addEventListener('mousedown', onOutside, true);
  open = { menu, close: () => close(false) };
  (items.find((b) => b.getAttribute('aria-disabled') !== 'true') ?? items[0])?.focus();
}
