package io.corral.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version of Corral, from the {@code version.properties} the build writes into the jar; for
 * {@code corral --version}, {@code GET_VERSION} and {@code /state}. Any thread.
 */
public final class Version implements IVersionProvider {

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String get() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("Failed to find 'io/corral/ops/version.properties' in the jar");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read 'io/corral/ops/version.properties'", e);
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"corral " + get()};
  }
}
