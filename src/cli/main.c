/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vigia's entry point: wire the layers together and hand over to cli_main(). */
#include "config.h"

#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
