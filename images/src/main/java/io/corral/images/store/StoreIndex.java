package io.corral.images.store;

import io.corral.posix.AtomicFiles;
import io.corral.proto.v1.ImageStoreIndex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's index ({@code index.pb}, an {@link ImageStoreIndex}) in memory and on disk. Every
 * change writes a new file in {@code tmp/}, syncs it and renames it over the old one, so a crash
 * leaves either index whole. An unreadable index is set aside as {@code index.pb.corrupt} and the
 * store starts empty (its layers are found again by diff_id). Thread-safe (one monitor).
 */
final class StoreIndex {
  private static final Logger LOG = LoggerFactory.getLogger(StoreIndex.class);

  private final StoreLayout layout;
  private final Map<String, ImageStoreIndex.Image> images = new LinkedHashMap<>();

  StoreIndex(StoreLayout layout) {
    this.layout = layout;
  }

  synchronized void load() throws IOException {
    images.clear();
    try (InputStream in = Files.newInputStream(layout.index())) {
      for (ImageStoreIndex.Image image : ImageStoreIndex.parseFrom(in).getImagesList()) {
        images.put(image.getReference(), image);
      }
    } catch (NoSuchFileException e) {
      LOG.debug("No image store index at '{}' yet", layout.index());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      Path aside = layout.index().resolveSibling("index.pb.corrupt");
      LOG.warn("Ignoring the unreadable image store index '{}' (kept as '{}'): {}", layout.index(), aside, e.getMessage());
      Files.move(layout.index(), aside, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  synchronized ImageStoreIndex.Image get(String reference) {
    return images.get(reference);
  }

  synchronized List<ImageStoreIndex.Image> all() {
    return new ArrayList<>(images.values());
  }

  synchronized void put(ImageStoreIndex.Image image) throws IOException {
    ImageStoreIndex.Image old = images.put(image.getReference(), image);
    try {
      write();
    } catch (IOException e) {
      if (old == null) {
        images.remove(image.getReference());
      } else {
        images.put(old.getReference(), old);
      }
      throw e;
    }
  }

  /** Removes the images {@code remove} selects and returns their references. */
  synchronized Set<String> removeIf(Predicate<ImageStoreIndex.Image> remove) throws IOException {
    Map<String, ImageStoreIndex.Image> removed = new LinkedHashMap<>();
    images.values().removeIf(image -> remove.test(image) && removed.put(image.getReference(), image) == null);
    if (!removed.isEmpty()) {
      write();
    }
    return removed.keySet();
  }

  private void write() throws IOException {
    ImageStoreIndex index = ImageStoreIndex.newBuilder().addAllImages(images.values()).build();
    try {
      AtomicFiles.writeDurably(layout.index(), index);
    } catch (IOException e) {
      throw new IOException("Failed to write the image store index '" + layout.index() + "': " + e.getMessage(), e);
    }
  }
}
