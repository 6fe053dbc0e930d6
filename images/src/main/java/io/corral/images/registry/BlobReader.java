package io.corral.images.registry;

import java.io.IOException;
import java.io.InputStream;

/**
 * What a puller does with one attempt at a blob's bytes: it reads them from {@code blob} as they
 * arrive and returns its result. It may be called again, with a new stream from the first byte,
 * when a transfer breaks, so it must start over each time. The stream is verified when it ends;
 * the caller drains what the reader left, so a reader need not read to the end.
 */
@FunctionalInterface
public interface BlobReader<T> {
  T read(InputStream blob) throws IOException;
}
