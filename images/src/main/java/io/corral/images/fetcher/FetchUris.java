package io.corral.images.fetcher;

import io.corral.proto.v1.CommandInfo;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a {@code CommandInfo.URI} names, checked as Mesos' fetcher checks it before anything is
 * fetched: {@code http://} and {@code https://} URIs, {@code file://} URIs and absolute paths;
 * the file name is the last component of the URI's path (Mesos' {@code Fetcher::basename}), and
 * an {@code output_file} is a path inside the sandbox. Other schemes (ftp, hdfs, s3) and relative
 * paths (which need Mesos' {@code --frameworks_home}) are refused. Stateless.
 */
public final class FetchUris {
  private FetchUris() {}

  /** Why {@code command}'s URIs cannot be fetched, if one of them cannot: "'uri': cause". */
  public static Optional<String> invalid(CommandInfo command) {
    for (CommandInfo.URI uri : command.getUrisList()) {
      try {
        target(uri);
      } catch (FetchException e) {
        return Optional.of("'" + uri.getValue() + "': " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The URI as fetched: Mesos trims leading white space. */
  static String value(CommandInfo.URI uri) {
    return uri.getValue().stripLeading();
  }

  static boolean isNet(String value) {
    return value.startsWith("http://") || value.startsWith("https://");
  }

  /** The local file a {@code file://} URI or absolute path names, or empty for a network URI. */
  static Optional<Path> localPath(String value) throws FetchException {
    if (isNet(value)) {
      return Optional.empty();
    }
    String path = value;
    if (value.startsWith("file://")) {
      path = value.substring("file://".length());
      if (path.startsWith("localhost/")) {
        path = path.substring("localhost".length());
      }
    } else if (value.contains("://")) {
      throw new FetchException("unsupported URI scheme (Corral fetches http, https, file and absolute paths)");
    }
    if (!path.startsWith("/")) {
      throw new FetchException(value.startsWith("file://") ? "File URI only supports absolute paths"
          : "relative paths need Mesos' --frameworks_home, which Corral does not have");
    }
    return Optional.of(Path.of(path).normalize());
  }

  /** The file name of a URI: the last component of its path, without a query or fragment. */
  static String basename(String value) throws FetchException {
    String path = value;
    int scheme = value.indexOf("://");
    if (scheme > 1) {
      path = value.substring(scheme + 3);
      int slash = path.indexOf('/');
      if (slash < 0 || path.length() <= slash + 1) {
        throw new FetchException("Malformed URI (missing path)");
      }
    }
    if (isNet(value)) {
      path = path.split("[?#]", 2)[0];
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0) {
      throw new FetchException("Malformed URI (no file name)");
    }
    return name;
  }

  /** Where {@code uri} goes, relative to the sandbox: its {@code output_file}, or its file name. */
  static Path target(CommandInfo.URI uri) throws FetchException {
    String value = value(uri);
    localPath(value);
    String name = basename(value);
    if (!uri.hasOutputFile()) {
      return Path.of(name);
    }
    String out = uri.getOutputFile();
    if (out.isEmpty()) {
      throw new FetchException("URI output file path is empty");
    }
    if (out.startsWith("/")) {
      throw new FetchException("URI output file must be within the sandbox directory");
    }
    for (String component : out.split("/")) {
      if (component.equals("..") || component.indexOf('\0') >= 0) {
        throw new FetchException("URI output file must be within the sandbox directory");
      }
    }
    Path relative = Path.of(out).normalize();
    if (relative.toString().isEmpty() || relative.getFileName().toString().equals(".")) {
      throw new FetchException("URI output file names no file");
    }
    return relative;
  }
}
