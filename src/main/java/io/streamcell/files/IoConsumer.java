package io.streamcell.files;

import java.io.IOException;

/** A consumer that may throw {@link IOException}: what writes a file's or a directory's content. */
@FunctionalInterface
public interface IoConsumer<T> {
    void accept(T value) throws IOException;
}
