package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.isolators.IsolatorCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Keeps the documentation true to the code: every flag the parser knows is in the operator
 * guide's table with its default, every isolator has its page, the README's embedding snippet
 * is exactly the source region that {@code it/.../ReadmeExampleIT} compiles and runs, and the
 * docs speak of the project only. Reads files of the repository; no root, no kernel.
 */
class DocumentationTest {
  private static final Path REPO = repositoryRoot();
  private static final String SNIPPET_SOURCE = "it/src/test/java/io/corral/it/ReadmeExampleIT.java";
  private static final Set<String> STANDARD = Set.of("-h", "--help", "-V", "--version");

  @Test
  void everyFlagIsInTheOperatorGuideWithItsDefault() {
    List<String> guide = read("docs/operator-guide.md").lines().toList();
    List<String> problems = new ArrayList<>();
    for (String command : List.of("agent", "run")) {
      CommandLine cli = Main.commandLine().getSubcommands().get(command);
      for (OptionSpec option : cli.getCommandSpec().options()) {
        if (STANDARD.contains(option.longestName())) {
          continue;
        }
        List<String> rows = guide.stream()
            .filter(line -> line.startsWith("| `" + option.names()[0] + "`")
                || line.startsWith("| `" + option.longestName() + "`"))
            .toList();
        if (rows.isEmpty()) {
          problems.add(option.longestName() + " (corral " + command + ") has no row");
          continue;
        }
        String row = rows.get(0);
        for (String name : option.names()) {
          if (!row.contains("`" + name + "`")) {
            problems.add(option.longestName() + ": its row does not name '" + name + "'");
          }
        }
        String value = option.defaultValue();
        if (value != null && !row.contains("`" + value + "`")) {
          problems.add(option.longestName() + ": its row does not give the default `" + value + "`");
        }
      }
    }
    assertEquals(List.of(), problems, "docs/operator-guide.md's flag table");
  }

  @Test
  void everyIsolatorHasItsPageAndEveryPageAnIsolator() throws IOException {
    Path dir = REPO.resolve("docs/isolators");
    Set<String> pages = new TreeSet<>();
    try (Stream<Path> files = Files.walk(dir)) {
      files.filter(f -> f.toString().endsWith(".md") && !f.getFileName().toString().equals("README.md"))
          .forEach(f -> pages.add(dir.relativize(f).toString().replaceFirst("\\.md$", "")));
    }
    assertEquals(new TreeSet<>(IsolatorCatalog.names()), pages, "docs/isolators/<name>.md, one per isolator");
    String index = read("docs/isolators/README.md");
    for (String name : IsolatorCatalog.names()) {
      assertTrue(index.contains("(" + name + ".md)"), "docs/isolators/README.md links " + name);
    }
  }

  @Test
  void theReadmeSnippetIsTheSourceThatRuns() {
    String readme = read("README.md");
    Matcher block = Pattern.compile("<!-- snippet: " + Pattern.quote(SNIPPET_SOURCE)
        + " -->\\n```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(block.find(), "README.md has a java block marked <!-- snippet: " + SNIPPET_SOURCE + " -->");
    Matcher region = Pattern.compile("// README-SNIPPET-BEGIN\\n(.*?)\\n\\s*// README-SNIPPET-END",
        Pattern.DOTALL).matcher(read(SNIPPET_SOURCE));
    assertTrue(region.find(), SNIPPET_SOURCE + " has the README-SNIPPET markers");
    assertEquals(dedent(region.group(1)), block.group(1).stripTrailing(),
        "README.md's embedding snippet must be the region of " + SNIPPET_SOURCE + " verbatim");
  }

  @Test
  void theDocsSpeakOfTheProjectOnly() throws IOException {
    Pattern history = Pattern.compile(
        "(?i)\\bsession \\d|\\bsessions? of work|\\bissue (#|\\d)|\\b20\\d\\d-\\d\\d-\\d\\d\\b");
    List<Path> docs = new ArrayList<>(List.of(REPO.resolve("README.md"), REPO.resolve("CONTRIBUTING.md"),
        REPO.resolve("ops/bench/README.md")));
    try (Stream<Path> files = Files.walk(REPO.resolve("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
    }
    List<String> found = new ArrayList<>();
    for (Path doc : docs) {
      List<String> lines = Files.readAllLines(doc);
      for (int i = 0; i < lines.size(); i++) {
        if (history.matcher(lines.get(i)).find()) {
          found.add(REPO.relativize(doc) + ":" + (i + 1) + ": " + lines.get(i).strip());
        }
      }
    }
    assertEquals(List.of(), found, "work history (sessions, issue numbers, dates) belongs in git");
    assertTrue(read("README.md").lines().count() <= 220, "README.md stays short; details go to docs/");
  }

  private static String dedent(String text) {
    List<String> lines = text.lines().toList();
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.toString().stripTrailing();
  }

  private static String read(String file) {
    try {
      return Files.readString(REPO.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read '" + file + "'", e);
    }
  }

  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(".ci/run"))) {
        return dir;
      }
    }
    throw new IllegalStateException("Failed to find the repository root above '"
        + Path.of("").toAbsolutePath() + "'");
  }
}
