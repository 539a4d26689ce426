package org.diffrep.app;

import java.util.List;

/** Every subcommand of {@code bin/diffrep}, in the order {@code --help} lists them. */
final class Commands {
    private Commands() {}

    static List<Object> all() {
        return List.of();
    }
}
