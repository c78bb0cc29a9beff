// Uptime days (the index's bars, /uptime/'s calendar): one tab stop per component (a roving
// tabindex). The published page makes each row's last day, today, its tab stop, which is
// all a keyboard reaches without JavaScript; here ArrowLeft and ArrowRight move it to the
// day before and after, Home and End to the first and last day shown, and in the calendar
// ArrowUp and ArrowDown a week back and on. A click or tap focuses the day too, so its
// words show (CSS shows them on focus). Days hidden on a narrow screen are skipped.
//
// On the index only today's bar carries its words; the other days' are fetched from
// /uptime-days.json (this script's data-days) when a visitor first points at, taps or
// focuses a bar, so a glance at the page does not download them.
(() => {
  const ROWS = 'ol.bars, ol.year';
  const DAY = 'li[data-status]';
  const daysUrl = document.currentScript?.dataset.days;
  const shown = (row) => [...row.querySelectorAll(DAY)].filter((day) => day.getClientRects().length > 0);

  let words;
  /** Gives every bar without words its date and words; resolves when done, or failed. */
  const loadWords = () =>
    (words ??= !daysUrl
      ? Promise.resolve()
      : fetch(daysUrl, { cache: 'no-cache' })
          .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
          .then(({ dates, rows }) => {
            for (const row of document.querySelectorAll('ol.bars[data-row]')) {
              const said = rows[row.dataset.row];
              const days = row.querySelectorAll(DAY);
              // Words for another set of days (a page older or newer than the file) stay unsaid.
              if (!said || said.length !== days.length || dates.length !== days.length) continue;
              days.forEach((day, i) => {
                if (day.firstElementChild) return;
                const span = document.createElement('span');
                const date = document.createElement('b');
                date.textContent = dates[i];
                span.append(date, ` ${said[i]}`);
                day.append(span);
              });
            }
          })
          .catch(() => {
            words = undefined; // the next visit to a bar tries again
          }));

  const moveTo = (row, day) => {
    for (const other of row.querySelectorAll('li[tabindex]')) if (other !== day) other.removeAttribute('tabindex');
    day.tabIndex = 0;
    day.focus();
  };

  // Words are fetched at the first sign of interest in a bar, and a move waits for them.
  for (const type of ['pointerover', 'focusin', 'touchstart']) {
    document.addEventListener(type, (event) => {
      if (event.target instanceof Element && event.target.closest('ol.bars')) loadWords();
    }, { passive: true });
  }

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || !(event.target instanceof Element)) return;
    const day = event.target.closest(DAY);
    const row = day?.closest(ROWS);
    if (!row) return;
    const days = shown(row);
    const at = days.indexOf(day);
    const week = row.matches('.year') ? 7 : 0;
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -week, ArrowDown: week };
    let next;
    if (event.key === 'Home') next = days[0];
    else if (event.key === 'End') next = days.at(-1);
    else if (steps[event.key]) next = days[Math.min(days.length - 1, Math.max(0, at + steps[event.key]))];
    else return;
    event.preventDefault();
    if (next) loadWords().then(() => moveTo(row, next));
  });

  document.addEventListener('click', (event) => {
    const day = event.target instanceof Element ? event.target.closest(DAY) : null;
    const row = day?.closest(ROWS);
    if (row) loadWords().then(() => moveTo(row, day));
  });

  // A row whose tab stop a narrower window hides gets today's again.
  const keepTabStops = () => {
    for (const row of document.querySelectorAll(ROWS)) {
      const stop = row.querySelector('li[tabindex]');
      if (stop && stop.getClientRects().length > 0) continue;
      const last = shown(row).at(-1);
      if (!last) continue; // the whole row is hidden (a closed group)
      stop?.removeAttribute('tabindex');
      last.tabIndex = 0;
    }
  };
  addEventListener('resize', keepTabStops);
})();
