package io.corral.http;

import io.corral.actors.files.FilesException;
import io.corral.actors.files.SandboxFiles;
import io.corral.http.security.HttpSecurity.Caller;
import io.corral.proto.v1.FileInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.StreamConverters;

/**
 * Mesos' {@code /files/browse}, {@code /files/read}, {@code /files/download} and
 * {@code /files/debug} over {@link FilesApi}, with Mesos' query parameters and JSON: a listing
 * is an array of {@code {path, nlink, size, mtime, mode, uid, gid}} ({@code mode} as
 * {@code ls -l} prints it, {@code mtime} in seconds), a read is {@code {data, offset}} where
 * {@code offset=-1} asks for the file's size (returned as {@code offset}, with no data), and a
 * download is the file itself. A missing {@code path} or a bad number is 400, and so is Mesos'
 * {@code jsonp} (a JSONP answer would hand a sandbox's contents to any web page the operator's
 * browser visits).
 *
 * <p>Threading: the routes run on Pekko HTTP's dispatcher; the file work on the blocking one.
 */
final class FilesRoutes extends AllDirectives {
  private final FilesApi files;

  FilesRoutes(FilesApi files) {
    this.files = files;
  }

  /** The routes under {@code /files/} for {@code caller}. */
  Route routes(Caller caller) {
    return concat(
        path("browse", () -> get(() -> withPath(p -> browse(p, caller)))),
        path("read", () -> get(() -> withPath(p -> read(p, caller)))),
        path("download", () -> get(() -> withPath(p -> download(p, caller)))),
        path("debug", () -> get(() -> completeWithFuture(files.debug(caller).thenApply(m -> {
          JsonWriter out = new JsonWriter().beginObject();
          m.forEach((k, v) -> out.name(k).value(v));
          return json(out.endObject().toString());
        })))));
  }

  private Route withPath(java.util.function.Function<String, Route> inner) {
    return parameterOptional("jsonp", jsonp -> jsonp.isPresent()
        ? complete(ErrorMapping.badRequest("Failed to serve the request: 'jsonp' is not supported"))
        : parameterOptional("path", path -> path.filter(p -> !p.isEmpty())
            .map(inner)
            .orElseGet(() -> complete(ErrorMapping.badRequest("Expecting 'path=value' in query")))));
  }

  private Route browse(String path, Caller caller) {
    return answer(files.on(path, caller, t -> files().browse(t, path))
        .thenApply(FilesRoutes::listing), "browse '" + path + "'");
  }

  private Route read(String path, Caller caller) {
    return parameterOptional("offset", offset -> parameterOptional("length", length -> {
      long from;
      OptionalLong count;
      try {
        from = number(offset, "offset", -1L);
        long n = number(length, "length", -1L);
        count = n == -1 ? OptionalLong.empty() : OptionalLong.of(n);
      } catch (IllegalArgumentException e) {
        return complete(ErrorMapping.badRequest(e.getMessage()));
      }
      boolean sizeOnly = from == -1;
      return answer(files.on(path, caller, t -> files().read(t, sizeOnly ? 0 : from,
          sizeOnly ? OptionalLong.of(0) : count)).thenApply(chunk -> json(new JsonWriter()
              .beginObject()
              .name("data").value(new String(chunk.data(), StandardCharsets.UTF_8))
              .name("offset").value(sizeOnly ? chunk.size() : from)
              .endObject().toString())), "read '" + path + "'");
    }));
  }

  private Route download(String path, Caller caller) {
    return answer(files.on(path, caller, t -> {
      Path real = files().file(t, "download");
      long size;
      try {
        size = java.nio.file.Files.size(real);
      } catch (IOException e) {
        throw new FilesException(FilesException.Kind.UNKNOWN,
            "Failed to download '" + path + "': " + e.getMessage());
      }
      // Opened when the response is sent, as a resolved path that must not be a symlink by then.
      return HttpResponse.create()
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, size,
              StreamConverters.fromInputStream(() -> Channels.newInputStream(
                  SandboxFiles.open(real)))))
          .addHeader(RawHeader.create("Content-Disposition",
              "attachment; filename=" + real.getFileName()));
    }), "download '" + path + "'");
  }

  private Route answer(CompletionStage<HttpResponse> response, String verb) {
    return completeWithFuture(response.exceptionally(
        f -> FilesApi.response(f, verb, files.settings())));
  }

  private SandboxFiles files() {
    return files.sandboxFiles();
  }

  /** Mesos' listing JSON: one object per entry ({@code model(FileInfo)}). */
  static HttpResponse listing(List<FileInfo> infos) {
    JsonWriter out = new JsonWriter().beginArray();
    for (FileInfo info : infos) {
      out.beginObject()
          .name("path").value(info.getPath())
          .name("nlink").value(info.getNlink())
          .name("size").unsignedValue(info.getSize())
          .name("mtime").value(info.getMtime().getNanoseconds() / 1e9)
          .name("mode").value(mode(info.getMode()))
          .name("uid").value(info.getUid())
          .name("gid").value(info.getGid())
          .endObject();
    }
    return json(out.endArray().toString());
  }

  /** A mode as {@code ls -l} prints it: the type letter, then {@code rwx} three times. */
  static String mode(int mode) {
    char type = switch (mode & 0170000) {
      case 0040000 -> 'd';
      case 0020000 -> 'c';
      case 0060000 -> 'b';
      case 0010000 -> 'p';
      case 0120000 -> 'l';
      case 0140000 -> 's';
      default -> '-';
    };
    StringBuilder out = new StringBuilder().append(type);
    String letters = "rwx";
    for (int bit = 8; bit >= 0; bit--) {
      out.append((mode & (1 << bit)) != 0 ? letters.charAt(2 - bit % 3) : '-');
    }
    return out.toString();
  }

  private static long number(Optional<String> value, String name, long absent) {
    if (value.isEmpty()) {
      return absent;
    }
    long n;
    try {
      n = Long.parseLong(value.get().strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Failed to parse " + name + ": '" + value.get()
          + "' is not a number");
    }
    if (n < -1) {
      throw new IllegalArgumentException("Negative " + name + " provided: " + n);
    }
    return n;
  }

  private static HttpResponse json(String body) {
    return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }
}
