package io.corral.http;

import com.google.protobuf.InvalidProtocolBufferException;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The bytes of {@code POST /api/v1}: which request encodings are allowed, which response encoding
 * the client accepts, decoding a {@link Call} and encoding a {@link Response}, with Mesos' status
 * codes and messages ({@code slave/http.cpp} {@code Http::api}). Stateless and thread-safe.
 */
final class ApiCodec {
  static final String JSON = "application/json";
  static final String PROTOBUF = "application/x-protobuf";
  static final MediaType.Binary PROTOBUF_MEDIA_TYPE =
      MediaTypes.applicationBinary("x-protobuf", false);
  static final ContentType PROTOBUF_CONTENT_TYPE = ContentTypes.create(PROTOBUF_MEDIA_TYPE);

  /**
   * Media types the server's parser must know as its own ({@link AgentServer} registers them),
   * because Pekko normalises {@code Content-Type} before the route sees it:
   *
   * <ul>
   *   <li>{@code application/json} with an open charset, so that {@code application/json;
   *       charset=utf-8} keeps its parameter (Pekko drops it for its fixed-charset built-in type)
   *       and can be refused with 415 as Mesos does;
   *   <li>{@code application/octet-stream}, so that an explicit header is a different object
   *       from the default Pekko assumes when the header is missing, which is 400, not 415.
   * </ul>
   *
   * Without them (routes bound elsewhere) the two cases degrade to 200 and 400 respectively.
   */
  static final MediaType[] PARSER_MEDIA_TYPES = {
    MediaTypes.customWithOpenCharset("application", "json", Map.of(), false),
    MediaTypes.customBinary("application", "octet-stream", false),
  };

  /** How a request body or a response body is encoded. */
  enum Encoding { JSON, PROTOBUF }

  private ApiCodec() {}

  /**
   * The encoding of the request body, from its {@code Content-Type}, which must be exactly one of
   * the two media types with no parameters (Mesos compares the whole header value, so {@code
   * application/json; charset=utf-8} is 415). A missing header is 400.
   */
  static Result<Encoding> requestEncoding(HttpRequest request) {
    if (request.getHeader("Message-Content-Type").isPresent()) {
      return Result.refused(ErrorMapping.plain(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
          "request.media-type",
          "Expecting 'Message-Content-Type' to be not set for non-streaming requests"));
    }
    ContentType contentType = request.entity().getContentType();
    // Identity, not equality: Pekko's own octet-stream object is its default for a missing
    // header, while an explicit one parses to ours (see PARSER_MEDIA_TYPES).
    if (contentType.mediaType() == MediaTypes.APPLICATION_OCTET_STREAM
        || contentType.equals(ContentTypes.NO_CONTENT_TYPE)) {
      return Result.refused(ErrorMapping.badRequest("Expecting 'Content-Type' to be present"));
    }
    String value = contentType.toString();
    if (value.equals(JSON)) {
      return Result.ok(Encoding.JSON);
    }
    if (value.equals(PROTOBUF)) {
      return Result.ok(Encoding.PROTOBUF);
    }
    return Result.refused(ErrorMapping.plain(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
        "request.media-type",
        "Expecting 'Content-Type' of " + JSON + " or " + PROTOBUF + ", got '" + value + "'"));
  }

  /**
   * The encoding of the response: JSON if {@code Accept} is absent or allows {@code
   * application/json}, else protobuf if it allows {@code application/x-protobuf}, else 406.
   */
  static Result<Encoding> responseEncoding(HttpRequest request) {
    if (request.getHeader("Message-Accept").isPresent()) {
      return Result.refused(notAcceptable(
          "Expecting 'Message-Accept' to be not set for non-streaming responses"));
    }
    Optional<String> accept = acceptHeader(request);
    if (accept.isEmpty() || accepts(accept.get(), JSON)) {
      return Result.ok(Encoding.JSON);
    }
    if (accepts(accept.get(), PROTOBUF)) {
      return Result.ok(Encoding.PROTOBUF);
    }
    return Result.refused(
        notAcceptable("Expecting 'Accept' to allow '" + JSON + "' or '" + PROTOBUF + "'"));
  }

  /** Decodes the body; malformed input and missing required fields are 400. */
  static Result<Call> decode(Encoding encoding, byte[] body) {
    if (encoding == Encoding.PROTOBUF) {
      try {
        return Result.ok(Call.parseFrom(body));
      } catch (InvalidProtocolBufferException e) {
        return Result.refused(
            ErrorMapping.badRequest("Failed to parse body into Call protobuf: " + e.getMessage()));
      }
    }
    Call.Builder builder = Call.newBuilder();
    try {
      MesosJson.merge(new String(body, StandardCharsets.UTF_8), builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // JsonFormat reports malformed JSON as InvalidProtocolBufferException, but a few shapes
      // (e.g. a bare number) surface as Gson's unchecked exceptions.
      return Result.refused(ErrorMapping.badRequest(
          "Failed to convert JSON into Call protobuf: " + e.getMessage()));
    }
    // Call has no required fields of its own; JsonFormat builds every sub-message with build(),
    // so a missing required field there has already failed above.
    return Result.ok(builder.build());
  }

  /** A 200 response carrying {@code response} in {@code encoding}. */
  static HttpResponse encode(Response response, Encoding encoding) {
    return HttpResponse.create().withStatus(StatusCodes.OK).withEntity(encoding == Encoding.JSON
        ? HttpEntities.create(ContentTypes.APPLICATION_JSON, MesosJson.print(response))
        : HttpEntities.create(PROTOBUF_CONTENT_TYPE, response.toByteArray()));
  }

  /** Every {@code Accept} header value joined by commas; empty when there is none. */
  private static Optional<String> acceptHeader(HttpRequest request) {
    StringBuilder joined = new StringBuilder();
    for (HttpHeader header : request.getHeaders()) {
      if (header.is("accept")) {
        joined.append(joined.length() == 0 ? "" : ",").append(header.value());
      }
    }
    return joined.length() == 0 ? Optional.empty() : Optional.of(joined.toString());
  }

  /**
   * Whether the {@code Accept} value allows {@code mediaType}: the most specific matching range
   * ({@code type/subtype} over {@code type/*} over {@code *}{@code /*}) decides, and it allows the
   * type when its {@code q} is above zero (libprocess {@code Request::acceptsMediaType}).
   */
  static boolean accepts(String accept, String mediaType) {
    String type = mediaType.substring(0, mediaType.indexOf('/'));
    int bestSpecificity = -1;
    double bestQ = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String candidate = parts[0].trim().toLowerCase(Locale.ROOT);
      int specificity;
      if (candidate.equals(mediaType)) {
        specificity = 2;
      } else if (candidate.equals(type + "/*")) {
        specificity = 1;
      } else if (candidate.equals("*/*")) {
        specificity = 0;
      } else {
        continue;
      }
      double q = quality(parts);
      if (specificity > bestSpecificity) {
        bestSpecificity = specificity;
        bestQ = q;
      }
    }
    return bestSpecificity >= 0 && bestQ > 0;
  }

  private static double quality(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String param = parts[i].trim();
      if (param.startsWith("q=")) {
        try {
          return Double.parseDouble(param.substring(2).trim());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }

  private static HttpResponse notAcceptable(String message) {
    return ErrorMapping.plain(StatusCodes.NOT_ACCEPTABLE, "request.not-acceptable", message);
  }

  /** A value, or the response that refuses the request. Exactly one is non-null. */
  record Result<T>(T value, HttpResponse refusal) {
    static <T> Result<T> ok(T value) {
      return new Result<>(value, null);
    }

    static <T> Result<T> refused(HttpResponse refusal) {
      return new Result<>(null, refusal);
    }
  }
}
