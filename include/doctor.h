/* `bsbox doctor`: which layers this machine provides and how to get the rest. */
#ifndef BSBOX_DOCTOR_H
#define BSBOX_DOCTOR_H

int doctor_main(int argc, char **argv);

#endif
