package io.streamcell.io.avro;

import java.util.HashSet;
import java.util.List;

/** Checks for lists of feature or target names. */
final class Names {
    private Names() {}

    /** An immutable copy of {@code names}, which must be non-empty, without null, empty or repeated names. */
    static List<String> checkUnique(List<String> names, String what) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty: pass the model's names, in model order");
        }
        HashSet<String> seen = new HashSet<>();
        for (String name : names) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException(what + " " + names + " contains a null or empty name");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException(what + " " + names + " contains '" + name + "' twice");
            }
        }
        return List.copyOf(names);
    }
}
