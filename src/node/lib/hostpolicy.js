// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// Who may ask (the same rule as the native engine's server/hostpolicy.cpp):
// 400 for an HTTP/1.1 request without a Host or any request with two; 421
// for a Host whose name (port aside, case and a trailing dot ignored) is not
// this server's; 403 for anything but GET/HEAD of / and /healthz from a
// page of another site (Sec-Fetch-Site cross-site or same-site, or an
// Origin that is not http:// + the Host sent). Decided before any routing.

const net = require('net');

function hostName(value) {
  const v = value.trim();
  let end = v.length;
  if (v.startsWith('[')) {
    end = v.indexOf(']');
    if (end < 0) return '';
    ++end;
  } else {
    const colon = v.indexOf(':');
    if (colon >= 0) end = colon;
  }
  if (end < v.length) {
    if (v[end] !== ':' || end + 1 === v.length || v.length - end > 6) return '';
    if (!/^[0-9]+$/.test(v.slice(end + 1))) return '';
  }
  let name = v.slice(0, end).toLowerCase();
  if (name.endsWith('.') && !name.startsWith('[')) name = name.slice(0, -1);
  return name;
}

function isIpLiteral(name) {
  if (name.startsWith('[') && name.endsWith(']')) return net.isIPv6(name.slice(1, -1));
  return /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(name) && net.isIPv4(name);
}

function literalOf(address) {
  return net.isIPv6(address) ? `[${address.toLowerCase()}]` : address.toLowerCase();
}

class HostPolicy {
  constructor(boundAddress, allowedNames) {
    const any = boundAddress === '0.0.0.0' || boundAddress === '::';
    const loopback = boundAddress === '127.0.0.1' || boundAddress === '::1' || boundAddress === 'localhost';
    this.anyLiteral = any;
    this.names = new Set();
    if (any || loopback) ['127.0.0.1', 'localhost', '[::1]'].forEach((n) => this.names.add(n));
    if (!any) this.names.add(literalOf(boundAddress));
    for (const n of allowedNames || []) {
      let name = n.trim().toLowerCase();
      if (name.endsWith('.')) name = name.slice(0, -1);
      if (name) this.names.add(name);
    }
  }

  allows(hostValue) {
    const name = hostName(hostValue);
    return name !== '' && (this.names.has(name) || (this.anyLiteral && isIpLiteral(name)));
  }

  describe() {
    return [...this.names].join(', ') + (this.anyLiteral ? ", or any of this machine's addresses" : '');
  }

  // null when allowed, else [status, reason].
  check(req, readOnlyRoute) {
    const raw = req.rawHeaders;
    let hosts = 0;
    let host = '';
    let origin = null;
    let foreignFetch = false;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (name === 'host') { ++hosts; host = raw[i + 1].trim(); }
      else if (name === 'origin') origin = raw[i + 1].trim();
      else if (name === 'sec-fetch-site') {
        const v = raw[i + 1].trim().toLowerCase();
        foreignFetch = v === 'cross-site' || v === 'same-site';
      }
    }
    if (hosts > 1) return [400, 'more than one Host header'];
    const http11 = req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
    if (hosts === 0 && http11) return [400, 'an HTTP/1.1 request needs a Host header'];
    if (hosts && !this.allows(host))
      return [421, `this server answers requests for ${this.describe()} only (a page on another name, e.g. a DNS ` +
        'rebinding, gets nothing; serve --allow-host NAME adds a name)'];
    if (!foreignFetch && origin !== null)
      foreignFetch = host === '' || !origin.startsWith('http://') || origin.slice(7).toLowerCase() !== host.toLowerCase();
    if (foreignFetch && !readOnlyRoute) return [403, 'a request from another web site may read / and /healthz only'];
    return null;
  }
}

module.exports = { HostPolicy, hostName };
