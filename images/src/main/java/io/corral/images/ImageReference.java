package io.corral.images;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Docker image name, as Mesos' {@code docker::spec::parseImageReference} splits it:
 * {@code [registry/]repository[:tag][@digest]}. The first path component is a registry only if it
 * holds a '.' or a ':' or is {@code localhost}; otherwise it belongs to the repository.
 *
 * <p>{@link #parse} keeps what the name says ({@code registry}, {@code tag} and {@code digest} are
 * null when absent), so that {@link #toString} gives back Mesos' form, which is also the archive
 * file name of the local puller. {@link #normalize} then fills in the defaults a pull needs: the
 * registry of {@code --docker_registry}, the tag {@code latest} when there is no digest, and the
 * {@code library/} prefix of Docker Hub's official images. The components are checked against
 * Docker's grammar, so that a name never reaches a URL or a file path unchecked.
 *
 * <p>Immutable and thread-safe.
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

  /** Docker Hub's registry API host, and the names people use for it. */
  public static final String DOCKER_HUB = "registry-1.docker.io";

  /** The names of Docker Hub's registry: a normalized reference says {@link #DOCKER_HUB} for each. */
  private static final Set<String> DOCKER_HUB_NAMES = Set.of(DOCKER_HUB, "docker.io", "index.docker.io");

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern HOST =
      Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
          + "|\\[[0-9A-Fa-f:.]+\\]");
  private static final int MAX_NAME = 255;

  public ImageReference {
    Objects.requireNonNull(repository, "repository");
  }

  /**
   * Parses {@code name}, or throws {@link IllegalArgumentException} with the message
   * "Failed to parse image reference 'name': cause".
   */
  public static ImageReference parse(String name) {
    try {
      return doParse(Objects.requireNonNull(name, "name"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Failed to parse image reference '" + name + "': " + e.getMessage(), e);
    }
  }

  private static ImageReference doParse(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty name");
    }
    String rest = name;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      if (rest.indexOf('@', at + 1) >= 0) {
        throw new IllegalArgumentException("multiple '@' symbols found");
      }
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      checkDigest(digest);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf('/', colon) < 0) {
      // The last ':' starts a tag unless a '/' follows it, which makes it a registry's port.
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("invalid tag '" + tag + "'");
      }
    }
    String registry = null;
    int slash = rest.indexOf('/');
    if (slash >= 0 && isRegistry(rest.substring(0, slash))) {
      registry = rest.substring(0, slash);
      rest = rest.substring(slash + 1);
      checkRegistry(registry);
    }
    checkRepository(rest);
    return new ImageReference(registry, rest, tag, digest);
  }

  private static boolean isRegistry(String first) {
    return first.contains(".") || first.contains(":") || first.equals("localhost");
  }

  private static void checkDigest(String digest) {
    if (!digest.startsWith("sha256:")) {
      throw new IllegalArgumentException("unsupported digest algorithm in '" + digest + "' (only sha256)");
    }
    if (!DIGEST.matcher(digest).matches()) {
      throw new IllegalArgumentException("invalid digest '" + digest + "'");
    }
  }

  private static void checkRegistry(String registry) {
    int colon = registry.lastIndexOf(':');
    String host = registry;
    if (colon >= 0 && !registry.endsWith("]")) {
      host = registry.substring(0, colon);
      String port = registry.substring(colon + 1);
      if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) == 0 || Integer.parseInt(port) > 65535) {
        throw new IllegalArgumentException("invalid registry port '" + port + "'");
      }
    }
    if (!HOST.matcher(host).matches()) {
      throw new IllegalArgumentException("invalid registry host '" + host + "'");
    }
  }

  private static void checkRepository(String repository) {
    if (repository.isEmpty()) {
      throw new IllegalArgumentException("empty repository");
    }
    if (repository.length() > MAX_NAME) {
      throw new IllegalArgumentException("repository name longer than " + MAX_NAME + " characters");
    }
    if (!repository.equals(repository.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("repository name '" + repository + "' must be lowercase");
    }
    for (String component : repository.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw new IllegalArgumentException("invalid repository component '" + component + "'");
      }
    }
  }

  /**
   * The reference a pull uses: the registry of this name, or else {@code defaultRegistry}'s host
   * and port; the tag {@code latest} when the name has neither tag nor digest; and for Docker
   * Hub one registry name ({@code docker.io} and {@code index.docker.io} become {@link
   * #DOCKER_HUB}, so that the store keeps one copy of an image however it was named) and
   * {@code library/} before a single-component repository.
   */
  public ImageReference normalize(URI defaultRegistry) {
    String host = registry != null ? registry : authority(defaultRegistry);
    String repo = repository;
    if (host != null && DOCKER_HUB_NAMES.contains(host)) {
      host = DOCKER_HUB;
      repo = repo.contains("/") ? repo : "library/" + repo;
    }
    String t = tag == null && digest == null ? "latest" : tag;
    return new ImageReference(host, repo, t, digest);
  }

  /** {@code host[:port]} of a registry URL, or null when {@code url} is null or has no host. */
  public static String authority(URI url) {
    if (url == null || url.getHost() == null) {
      return null;
    }
    return url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
  }

  /** The manifest reference of a pull: the digest if there is one, else the tag (or latest). */
  public String manifestReference() {
    if (digest != null) {
      return digest;
    }
    return tag != null ? tag : "latest";
  }

  /** Mesos' form: {@code [registry/]repository[:tag][@digest]}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    if (registry != null) {
      s.append(registry).append('/');
    }
    s.append(repository);
    if (tag != null) {
      s.append(':').append(tag);
    }
    if (digest != null) {
      s.append('@').append(digest);
    }
    return s.toString();
  }
}
