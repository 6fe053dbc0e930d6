package io.corral.isolators.disk;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * Which project ids of a {@link ProjectRange} are taken, and by which directory. {@link #allocate}
 * hands out the lowest free id; when none is free it first drops the ids whose directory no
 * longer carries them (deleted sandboxes), as Mesos' reclamation does. Thread-safe (synchronized).
 */
final class ProjectIds {
  private final ProjectRange range;
  private final TreeMap<Long, Path> taken = new TreeMap<>();

  ProjectIds(ProjectRange range) {
    this.range = range;
  }

  /**
   * The lowest free id, now taken by {@code owner}; empty when the range is exhausted even after
   * reclaiming the ids for which {@code stillCarries(id, dir)} is false.
   */
  synchronized Optional<Long> allocate(Path owner, BiPredicate<Long, Path> stillCarries) {
    Optional<Long> id = lowestFree();
    if (id.isEmpty()) {
      taken.entrySet().removeIf(e -> !stillCarries.test(e.getKey(), e.getValue()));
      id = lowestFree();
    }
    id.ifPresent(i -> taken.put(i, owner));
    return id;
  }

  /** Marks an id a directory carries (found by a scan); false when outside the range. */
  synchronized boolean reserve(long id, Path owner) {
    if (!range.contains(id)) {
      return false;
    }
    taken.put(id, owner);
    return true;
  }

  synchronized void free(long id) {
    taken.remove(id);
  }

  synchronized Map<Long, Path> taken() {
    return Map.copyOf(taken);
  }

  synchronized long free() {
    return range.size() - taken.size();
  }

  private Optional<Long> lowestFree() {
    for (ProjectRange.Span b : range.bounds()) {
      long candidate = b.begin();
      for (Long used : taken.subMap(b.begin(), true, b.end(), true).keySet()) {
        if (used != candidate) {
          break;
        }
        candidate++;
      }
      if (candidate <= b.end()) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
