/* `bsbox doctor`: which layers this machine provides and how to get the rest. */
#ifndef BSBOX_DOCTOR_H
#define BSBOX_DOCTOR_H

#include "settings.h"

int doctor_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
