/* `bsbox policy check|show|explain ...` */
#ifndef BSBOX_POLICYCMD_H
#define BSBOX_POLICYCMD_H

int policycmd_main(int argc, char **argv);

#endif
