/*! Herald status widget: <script src=".../widget.js" async></script> with <div data-herald-widget></div>
 * (badge) or <div data-herald-widget="notice"></div>; optional data-interval="60" (seconds) and
 * data-lang="en|zh-TW|zh-CN" (else the page's <html lang>). See /embed-docs/ */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[src$="/widget.js"]');
  if (!script || !script.src || !window.fetch) return;
  var dataUrl = new URL('widget.json', script.src).href;
  var storageKey = 'herald-widget-dismissed:' + dataUrl;
  var interval = seconds(script) || 60;
  var pageLang = script.getAttribute('data-lang') || document.documentElement.lang || '';
  var hosts = [];
  var data = null;
  var last = '';

  var CSS =
    '.w{all:initial;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;' +
    '--bg:#fff;--bd:#d8dee4;--mut:#57606a;--none:#1a7f37;--minor:#9a6700;--major:#bc4c00;--critical:#cf222e;--maintenance:#0969da}' +
    '@media (prefers-color-scheme:dark){.w{color:#e6edf3;--bg:#161b22;--bd:#30363d;--mut:#9da7b3;' +
    '--none:#3fb950;--minor:#d29922;--major:#f0883e;--critical:#ff7b72;--maintenance:#58a6ff}}' +
    'a{color:inherit;text-decoration:none}a:hover{text-decoration:underline}' +
    'a:focus-visible,button:focus-visible{outline:2px solid currentColor;outline-offset:2px}' +
    '.b{display:inline-flex;align-items:center;gap:6px;padding:2px 8px;border:1px solid var(--bd);border-radius:999px;background:var(--bg)}' +
    '.d{flex:none;width:8px;height:8px;border-radius:50%;background:var(--c)}' +
    '.i-none{--c:var(--none)}.i-minor{--c:var(--minor)}.i-major{--c:var(--major)}.i-critical{--c:var(--critical)}.i-maintenance{--c:var(--maintenance)}' +
    '.n{position:fixed;right:16px;bottom:16px;z-index:2147483000;box-sizing:border-box;width:320px;max-width:calc(100vw - 32px);' +
    'padding:10px 36px 10px 12px;background:var(--bg);border:1px solid var(--bd);border-left:4px solid var(--c);border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.2)}' +
    '.h{display:flex;align-items:center;gap:6px;margin:0 0 4px;font-weight:600}' +
    '.e{display:block;margin:2px 0 0}.e a{font-weight:600;text-decoration:underline}.s{color:var(--mut)}' +
    '.x{position:absolute;top:6px;right:6px;width:24px;height:24px;padding:0;border:0;border-radius:4px;background:none;color:inherit;font:inherit;font-size:18px;line-height:1;cursor:pointer}';

  function seconds(el) {
    var n = Number(el.getAttribute('data-interval'));
    return n >= 1 ? n : 0;
  }

  function make(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text) el.textContent = text;
    return el;
  }

  function link(href, cls, text) {
    var a = make('a', cls, text);
    if (/^https?:\/\//i.test(href)) a.href = href;
    a.target = '_blank';
    a.rel = 'noopener';
    return a;
  }

  // The words for a language tag: exact, else Chinese by script or region, else its first part, else the page's default.
  function words(tag) {
    var all = data.i18n || {};
    var k = String(tag).toLowerCase();
    for (var key in all) if (key.toLowerCase() == k) return all[key];
    if (/^zh/.test(k)) return all[/hant|tw|hk|mo/.test(k) ? 'zh-TW' : 'zh-CN'];
    return all[k.slice(0, 2)] || all[data.lang] || {};
  }

  function dot(indicator) {
    var d = make('span', 'd i-' + indicator);
    d.setAttribute('aria-hidden', 'true');
    return d;
  }

  // Finds new widget elements (the host page may add them later) and gives each a shadow root.
  function mount() {
    var found = document.querySelectorAll('[data-herald-widget]');
    for (var i = 0; i < found.length; i++) {
      var el = found[i];
      if (el.shadowRoot || el.__herald) continue;
      el.__herald = true;
      try {
        var root = el.attachShadow({ mode: 'open' });
      } catch (e) {
        continue; // an element that cannot host a shadow root, or an old browser
      }
      var style = make('style');
      style.textContent = CSS;
      var box = make('div', 'w');
      box.setAttribute('role', 'status');
      box.setAttribute('aria-live', 'polite');
      root.appendChild(style);
      root.appendChild(box);
      hosts.push({ notice: el.getAttribute('data-herald-widget') === 'notice', box: box, lang: el.getAttribute('data-lang') || pageLang });
      var n = seconds(el);
      if (n && n < interval) interval = n;
    }
  }

  function dismissedFor() {
    try {
      return sessionStorage.getItem(storageKey);
    } catch (e) {
      return null;
    }
  }

  function render() {
    try {
      for (var i = 0; i < hosts.length; i++) {
        var box = hosts[i].box;
        box.textContent = '';
        if (!data) continue;
        var indicator = String(data.status.indicator).replace(/[^a-z]/g, '');
        var w = words(hosts[i].lang);
        var url = w.url || data.page.url;
        var text = w.description || data.status.description;
        if (!hosts[i].notice) {
          var badge = link(url, 'b');
          badge.appendChild(dot(indicator));
          badge.appendChild(make('span', '', text));
          box.appendChild(badge);
          continue;
        }
        var active = data.active || [];
        var ids = active.map(function (e) { return e.id; }).join(',');
        if (!active.length || dismissedFor() === ids) continue;
        var card = make('div', 'n i-' + indicator);
        var head = make('p', 'h');
        head.appendChild(dot(indicator));
        head.appendChild(link(url, '', text));
        card.appendChild(head);
        for (var j = 0; j < active.length && j < 3; j++) {
          var row = make('span', 'e');
          var ew = (w.active || [])[j] || active[j];
          row.appendChild(link(ew.url, '', active[j].name));
          row.appendChild(make('span', 's', ' \u2014 ' + ew.status_label));
          card.appendChild(row);
        }
        var close = make('button', 'x', '\u00d7');
        close.type = 'button';
        close.setAttribute('aria-label', w.dismiss || 'Dismiss status notice');
        close.onclick = dismiss(ids);
        card.appendChild(close);
        box.appendChild(card);
      }
    } catch (e) {
      // never break the host page
    }
  }

  function dismiss(ids) {
    return function () {
      try {
        sessionStorage.setItem(storageKey, ids);
      } catch (e) {}
      for (var i = 0; i < hosts.length; i++) if (hosts[i].notice) hosts[i].box.textContent = '';
    };
  }

  function schedule() {
    setTimeout(poll, interval * 1000);
  }

  function poll() {
    var before = hosts.length;
    mount();
    if (!hosts.length || document.hidden) return schedule();
    if (hosts.length > before && data) render();
    // no-cache: the browser revalidates with If-None-Match and gets a 304 when nothing changed.
    fetch(dataUrl, { cache: 'no-cache', credentials: 'omit' })
      .then(function (response) {
        if (!response.ok) throw new Error();
        return response.text();
      })
      .then(function (text) {
        if (text === last) return;
        var next = JSON.parse(text);
        if (!next || !next.status || !next.page) throw new Error();
        data = next;
        last = text;
        render();
      })
      .catch(function () {
        // Unreachable or broken: show nothing rather than a status that may be stale.
        data = null;
        last = '';
        render();
      })
      .then(schedule);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', poll);
  else poll();
})();
