/* `bsbox policy check|show|explain ...` */
#ifndef BSBOX_POLICYCMD_H
#define BSBOX_POLICYCMD_H

#include "settings.h"

int policycmd_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
