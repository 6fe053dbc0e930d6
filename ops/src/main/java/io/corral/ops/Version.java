package io.corral.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version and build of Corral, from the {@code version.properties} the build writes into the
 * jar; for {@code corral --version}, {@code GET_VERSION} and {@code /state}. Any thread.
 */
public final class Version implements IVersionProvider {
  private static final Properties BUILD = load();

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String get() {
    return BUILD.getProperty("version");
  }

  /** When the jar was built, as Mesos prints its build date ({@code 2026-11-25 19:30:50}, UTC). */
  public static String buildDate() {
    return BUILD.getProperty("build.date");
  }

  /** {@link #buildDate()} as an instant (the epoch when the date cannot be read). */
  public static Instant buildTime() {
    try {
      return LocalDateTime.parse(buildDate(), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))
          .toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  /** Who built the jar. */
  public static String buildUser() {
    return BUILD.getProperty("build.user");
  }

  @Override
  public String[] getVersion() {
    return new String[] {"corral " + get()};
  }

  private static Properties load() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("Failed to find 'io/corral/ops/version.properties' in the jar");
      }
      Properties p = new Properties();
      p.load(in);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read 'io/corral/ops/version.properties'", e);
    }
  }
}
