// The embed card's refresh (/embed/): every minute, fetch the card again and replace what
// its <main> shows when it changed. The frame is not reloaded, so focus and the reader's
// place stay; <main> is a polite live region, so a change is announced. Failures keep the
// card as it is until the next try.
(() => {
  const INTERVAL_MS = 60_000;
  let etag = null;
  const refresh = async () => {
    try {
      const response = await fetch(location.href, { cache: 'no-cache', headers: etag ? { 'if-none-match': etag } : {} });
      if (response.status !== 200) return;
      etag = response.headers.get('etag');
      const next = new DOMParser().parseFromString(await response.text(), 'text/html').querySelector('main');
      const current = document.querySelector('main');
      if (next && current && next.innerHTML !== current.innerHTML) current.innerHTML = next.innerHTML;
    } catch {
      // offline or the status site unreachable: try again next minute
    }
  };
  setInterval(refresh, INTERVAL_MS);
})();
