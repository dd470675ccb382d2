/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The script embedded in every SVG flame graph ember writes. */
#ifndef EMBER_FLAMEGRAPH_SCRIPT_H
#define EMBER_FLAMEGRAPH_SCRIPT_H

/*
 * ECMAScript 5, no network, no libraries. It reads its layout from a
 * global `fgconf` written before it ({ width, xpad, fh, fw, fs, top,
 * bottom, ty, inverted }) and the frames from <g id="frames">, whose <g>
 * children are in preorder with the root first. Entry point: init(evt),
 * the <svg> onload. Holds no "]]>", so it fits in a CDATA section.
 */
extern const char flamegraph__script[];

#endif
