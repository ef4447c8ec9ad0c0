/*
 * version.h - the one place lfhub's version is written: lfhd --version and
 * lfh --version print it.
 */
#ifndef LFH_VERSION_H
#define LFH_VERSION_H

#define LFH_VERSION "0.4.6"

#endif
