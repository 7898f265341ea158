// SPDX-License-Identifier: GPL-3.0-or-later
// tst_hdrlog's independent decoder: hdr-histogram-js, the JavaScript port of
// HdrHistogram, reads what clusterlab writes, and writes a histogram for
// clusterlab to read. Installed by the test itself (npm ci, package-lock.json).
//
//   node decode.js log FILE         every interval of an interval log
//   node decode.js base64 STRING    one V2 compressed histogram
//   node decode.js encode V:N,...   a histogram (1 .. 3,600,000,000, 3 digits)
//                                   holding N times V, compressed, base64,
//                                   and what it decodes to
//
// Prints one JSON object on stdout; exits 1 with a message on stderr when
// the input does not decode.
"use strict";

const fs = require("fs");
const hdr = require("hdr-histogram-js");

function describe(h) {
  const buckets = [];
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c > 0) buckets.push([h.valueFromIndex(i), c]);
  }
  return {
    lowest: h.lowestDiscernibleValue,
    highest: h.highestTrackableValue,
    digits: h.numberOfSignificantValueDigits,
    length: h.countsArrayLength,
    count: h.totalCount,
    max: h.maxValue,
    mean: h.mean,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    buckets,
  };
}

function main(argv) {
  const [mode, arg] = argv;
  if (mode === "log") {
    const reader = new hdr.HistogramLogReader(fs.readFileSync(arg, "utf8"), 64);
    const intervals = [];
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
      intervals.push(Object.assign(
        { tag: h.tag, startMsec: h.startTimeStampMsec, endMsec: h.endTimeStampMsec },
        describe(h)));
    }
    return { startTimeSec: reader.startTimeSec, baseTimeSec: reader.baseTimeSec, intervals };
  }
  if (mode === "base64") {
    return describe(hdr.decodeFromCompressedBase64(arg, 64));
  }
  if (mode === "encode") {
    const h = hdr.build({
      bitBucketSize: 64,
      autoResize: false,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3600000000,
      numberOfSignificantValueDigits: 3,
    });
    for (const pair of arg.split(",")) {
      const [value, count] = pair.split(":").map(Number);
      h.recordValueWithCount(value, count);
    }
    const base64 = hdr.encodeIntoCompressedBase64(h);
    // Described as decoded: a recorded JsHistogram's maxValue is the raw
    // maximum, a decoded one's is its highest equivalent value (Java's getMaxValue).
    return { base64, described: describe(hdr.decodeFromCompressedBase64(base64, 64)) };
  }
  throw new Error("usage: node decode.js log FILE | base64 STRING | encode V:N,...");
}

try {
  process.stdout.write(JSON.stringify(main(process.argv.slice(2))) + "\n");
} catch (e) {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
}
