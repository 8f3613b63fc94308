/*
 * The HYP stub the loader leaves behind when it was entered in HYP mode
 * (loader/start.S, docs/booting.md): from PL1, `hvc #0` with r0 = call.
 * Plain numbers: start.S includes this too.
 */
#ifndef LOADER_HYP_STUB_H
#define LOADER_HYP_STUB_H
#define HYP_STUB_GET_VECTORS 0 /* returns HVBAR in r0 */
#define HYP_STUB_SET_VECTORS 1 /* r1 = the new HVBAR; returns 0 */
#define HYP_STUB_UNKNOWN (-1)  /* any other call: changes nothing */
#endif
