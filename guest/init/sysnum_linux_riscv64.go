package main

// sysFinitModule is __NR_finit_module on linux/riscv64; the frozen syscall
// package does not define it for every architecture.
const sysFinitModule = 273
