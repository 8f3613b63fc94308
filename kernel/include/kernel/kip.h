/* The kernel interface page: read-only facts mapped into every space. */
#ifndef KERNEL_KIP_H
#define KERNEL_KIP_H

struct space;

void kip_init(unsigned nr_containers);
int kip_map(struct space *s);

#endif
