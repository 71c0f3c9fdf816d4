/*
 * Demo Shop shared script (used by /shop/ and /broken-shop/).
 *
 * Catalog, cart (localStorage key "demo-shop-cart"), orders, and helpers that
 * build TikTok `contents` arrays. This file makes NO tracking calls: every
 * ttq.page/track/identify call lives in the page that sends it, so that it is
 * visible in that page's source.
 *
 * Everything degrades gracefully: if localStorage is unavailable an in-memory
 * store is used, and nothing here depends on the TikTok pixel having loaded.
 */
(function (window, document) {
  'use strict';

  var CART_KEY = 'demo-shop-cart';
  var ORDERS_KEY = 'demo-shop-orders';
  var CURRENCY = 'USD';

  var PRODUCTS = [
    { id: '301', name: 'Summer Dress', price: 8, category: 'dresses', shape: 'dress', color: '#f28b82',
      description: 'A light cotton dress for warm days.' },
    { id: '302', name: 'Linen Midi Dress', price: 12.5, category: 'dresses', shape: 'dress', color: '#81c995',
      description: 'Breathable linen, mid-length cut.' },
    { id: '401', name: 'Hair Clip', price: 1.2, category: 'accessories', shape: 'clip', color: '#fdd663',
      description: 'A simple tortoiseshell hair clip.' },
    { id: '402', name: 'Canvas Tote Bag', price: 30, category: 'accessories', shape: 'bag', color: '#8ab4f8',
      description: 'A roomy tote bag in heavy canvas.' }
  ];

  var CATEGORIES = { dresses: 'Dresses', accessories: 'Accessories' };

  /* ---------- storage ---------- */
  var memoryStore = {};
  function readJSON(key, fallback) {
    var raw;
    try { raw = window.localStorage.getItem(key); } catch (e) { raw = memoryStore[key]; }
    if (raw === null || raw === undefined) { return fallback; }
    try { return JSON.parse(raw); } catch (e) { return fallback; }
  }
  function writeJSON(key, value) {
    var raw = JSON.stringify(value);
    try { window.localStorage.setItem(key, raw); } catch (e) { memoryStore[key] = raw; }
  }
  function removeKey(key) {
    try { window.localStorage.removeItem(key); } catch (e) { delete memoryStore[key]; }
  }

  /* ---------- catalog ---------- */
  function getProduct(id) {
    for (var i = 0; i < PRODUCTS.length; i++) {
      if (PRODUCTS[i].id === String(id)) { return PRODUCTS[i]; }
    }
    return null;
  }
  function productsInCategory(category) {
    if (!category) { return PRODUCTS.slice(); }
    return PRODUCTS.filter(function (p) { return p.category === category; });
  }
  /* Case-insensitive substring match on product name or category name. */
  function searchProducts(query) {
    var q = String(query || '').trim().toLowerCase();
    if (!q) { return []; }
    return PRODUCTS.filter(function (p) {
      return p.name.toLowerCase().indexOf(q) !== -1 || p.category.indexOf(q) !== -1;
    });
  }

  /* ---------- money / contents ---------- */
  function round2(n) { return Math.round(n * 100) / 100; }
  function formatPrice(n) { return '$' + Number(n).toFixed(2); }

  /* One TikTok `contents` item. */
  function contentItem(product, quantity) {
    return {
      content_id: product.id,
      content_type: 'product',
      content_name: product.name,
      price: product.price,
      quantity: quantity
    };
  }
  /* Sum of price * quantity, rounded to cents. */
  function contentsValue(contents) {
    var total = 0;
    for (var i = 0; i < contents.length; i++) { total += contents[i].price * contents[i].quantity; }
    return round2(total);
  }

  /* ---------- cart ---------- */
  /* Cart is stored as [{id: '301', quantity: 2}, ...] in insertion order. */
  function getCart() {
    var cart = readJSON(CART_KEY, []);
    if (!Array.isArray(cart)) { return []; }
    return cart.filter(function (line) {
      return line && getProduct(line.id) && line.quantity > 0;
    });
  }
  function saveCart(cart) { writeJSON(CART_KEY, cart); updateCartBadge(); }
  function addToCart(id, quantity) {
    var cart = getCart();
    var qty = quantity || 1;
    for (var i = 0; i < cart.length; i++) {
      if (cart[i].id === String(id)) { cart[i].quantity += qty; saveCart(cart); return cart; }
    }
    cart.push({ id: String(id), quantity: qty });
    saveCart(cart);
    return cart;
  }
  function removeFromCart(id) {
    saveCart(getCart().filter(function (line) { return line.id !== String(id); }));
  }
  function clearCart() { removeKey(CART_KEY); updateCartBadge(); }
  function cartCount() {
    return getCart().reduce(function (n, line) { return n + line.quantity; }, 0);
  }
  /* The cart as a TikTok `contents` array (one item per product, with its quantity). */
  function cartContents() {
    return getCart().map(function (line) { return contentItem(getProduct(line.id), line.quantity); });
  }

  /* ---------- orders ---------- */
  function getOrders() {
    var orders = readJSON(ORDERS_KEY, {});
    return (orders && typeof orders === 'object') ? orders : {};
  }
  function saveOrder(order) {
    var orders = getOrders();
    orders[order.orderId] = order;
    writeJSON(ORDERS_KEY, orders);
  }
  function getOrder(orderId) {
    if (!orderId) { return null; }
    return getOrders()[orderId] || null;
  }
  function markOrderTracked(orderId) {
    var orders = getOrders();
    if (orders[orderId]) { orders[orderId].tracked = true; writeJSON(ORDERS_KEY, orders); }
  }

  /* ---------- ids ---------- */
  function newEventId() {
    return 'evt-' + Date.now() + '-' + Math.random().toString(36).slice(2, 8);
  }
  /* e.g. "lx2k9f3a7q": lowercase letters and digits only. */
  function newOrderId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  }
  function newUserId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  }

  /* SHA-256 as lowercase hex, for identifiers a site would not publish (external_id):
     the pixel hashes e-mail and phone itself but sends external_id as given. Synchronous
     so identify() keeps its place before the events that follow it. */
  var SHA_K = [];
  (function () {
    var n = 2, found = 0;
    function frac(x) { return ((x - Math.floor(x)) * 4294967296) | 0; }
    while (found < 64) {
      var prime = true;
      for (var d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
      if (prime) SHA_K[found++] = frac(Math.pow(n, 1 / 3));
      n++;
    }
  })();
  var SHA_H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  function sha256Hex(text) {
    var bytes = Array.from(new TextEncoder().encode(String(text)));
    var bitLength = bytes.length * 8;
    bytes.push(0x80);
    while (bytes.length % 64 !== 56) bytes.push(0);
    for (var s = 56; s >= 0; s -= 8) bytes.push(s >= 32 ? 0 : (bitLength >>> s) & 0xff);
    var h = SHA_H0.slice(), w = new Array(64);
    function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
    for (var i = 0; i < bytes.length; i += 64) {
      for (var j = 0; j < 64; j++) {
        if (j < 16) {
          w[j] = (bytes[i + 4 * j] << 24) | (bytes[i + 4 * j + 1] << 16) | (bytes[i + 4 * j + 2] << 8) | bytes[i + 4 * j + 3];
        } else {
          var s0 = rotr(w[j - 15], 7) ^ rotr(w[j - 15], 18) ^ (w[j - 15] >>> 3);
          var s1 = rotr(w[j - 2], 17) ^ rotr(w[j - 2], 19) ^ (w[j - 2] >>> 10);
          w[j] = (w[j - 16] + s0 + w[j - 7] + s1) | 0;
        }
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (j = 0; j < 64; j++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[j] + w[j]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e, h[5] + f, h[6] + g, h[7] + k].map(function (x) { return x | 0; });
    }
    return h.map(function (x) { return ('00000000' + (x >>> 0).toString(16)).slice(-8); }).join('');
  }

  /* ---------- form normalisation ---------- */
  function normalizeEmail(value) { return String(value || '').trim().toLowerCase(); }
  /* Keeps a leading "+" and the digits; drops spaces, dashes, dots and brackets. */
  function normalizePhone(value) {
    var v = String(value || '').trim();
    var plus = v.charAt(0) === '+' ? '+' : '';
    return plus + v.replace(/[^0-9]/g, '');
  }

  /* ---------- DOM helpers ---------- */
  function param(name) {
    try { return new URLSearchParams(window.location.search).get(name); } catch (e) { return null; }
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function productArt(product) {
    var c = product.color;
    var shape;
    if (product.shape === 'dress') {
      shape = '<path d="M38 14h24l-4 14 16 58H26l16-58z" fill="' + c + '" stroke="#3c4043" stroke-width="2"/>' +
              '<path d="M42 14l8 8 8-8" fill="none" stroke="#3c4043" stroke-width="2"/>';
    } else if (product.shape === 'clip') {
      shape = '<rect x="20" y="40" width="60" height="20" rx="10" fill="' + c + '" stroke="#3c4043" stroke-width="2"/>' +
              '<path d="M28 50h44" stroke="#3c4043" stroke-width="2" stroke-dasharray="4 4"/>';
    } else {
      shape = '<path d="M38 36v-8a12 12 0 0 1 24 0v8" fill="none" stroke="#3c4043" stroke-width="3"/>' +
              '<rect x="22" y="36" width="56" height="48" rx="4" fill="' + c + '" stroke="#3c4043" stroke-width="2"/>';
    }
    return '<svg class="product-art" viewBox="0 0 100 100" role="img" aria-label="' + escapeHtml(product.name) +
           '" xmlns="http://www.w3.org/2000/svg"><rect width="100" height="100" fill="#f8f9fa"/>' + shape + '</svg>';
  }
  /* Renders product cards; each has a link #product-link-<id> to product.html?id=<id>.
     `hrefPrefix` lets pages served at other depths (the SPA) pass an absolute prefix. */
  function renderProductGrid(container, products, hrefPrefix) {
    var prefix = hrefPrefix || '';
    container.innerHTML = products.map(function (p) {
      return '<article class="card" data-testid="product-card-' + p.id + '" data-product-id="' + p.id + '">' +
        productArt(p) +
        '<h3><a id="product-link-' + p.id + '" data-testid="product-link-' + p.id + '" href="' + prefix +
        'product.html?id=' + encodeURIComponent(p.id) + '">' + escapeHtml(p.name) + '</a></h3>' +
        '<p class="price">' + formatPrice(p.price) + '</p></article>';
    }).join('');
  }
  function updateCartBadge() {
    var el = document.getElementById('cart-count');
    if (el) { el.textContent = String(cartCount()); }
  }

  window.DemoShop = {
    CART_KEY: CART_KEY,
    ORDERS_KEY: ORDERS_KEY,
    CURRENCY: CURRENCY,
    products: PRODUCTS,
    categories: CATEGORIES,
    getProduct: getProduct,
    productsInCategory: productsInCategory,
    searchProducts: searchProducts,
    round2: round2,
    formatPrice: formatPrice,
    contentItem: contentItem,
    contentsValue: contentsValue,
    getCart: getCart,
    addToCart: addToCart,
    removeFromCart: removeFromCart,
    clearCart: clearCart,
    cartCount: cartCount,
    cartContents: cartContents,
    saveOrder: saveOrder,
    getOrder: getOrder,
    markOrderTracked: markOrderTracked,
    newEventId: newEventId,
    newOrderId: newOrderId,
    newUserId: newUserId,
    sha256Hex: sha256Hex,
    normalizeEmail: normalizeEmail,
    normalizePhone: normalizePhone,
    param: param,
    escapeHtml: escapeHtml,
    productArt: productArt,
    renderProductGrid: renderProductGrid,
    updateCartBadge: updateCartBadge
  };

  updateCartBadge();
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', updateCartBadge);
  }
  /* Keep the badge right when the page is restored from the back/forward cache. */
  window.addEventListener('pageshow', updateCartBadge);
})(window, document);
