package org.diffrep.training.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a cached feature file depends on; any difference gives a different file. Its SHA-256 names
 * the file and is stored in its header, so a file renamed or written for another key is rejected.
 *
 * @param model      the U-Net config name (plus its JSON where it matters)
 * @param checkpoint content hash of the weights file
 * @param dataset    dataset, split and transform ({@link org.diffrep.training.data.ImageSource#describe()})
 * @param t          noise step
 * @param block      U-Net block
 * @param pooling    pooling applied before storing ("avg:2", "avg:16", "none")
 * @param imageSize  U-Net input side
 * @param seed       seed of noise and transform draws
 * @param draws      noise/transform draws stored per image (K)
 */
public record CacheKey(String model, String checkpoint, String dataset, int t, int block, String pooling, int imageSize,
                       long seed, int draws) {

    public static final int FORMAT_VERSION = 1;

    public String canonical() {
        return "diffrep-feature-cache v" + FORMAT_VERSION + "\nmodel=" + model + "\ncheckpoint=" + checkpoint + "\ndataset=" + dataset
                + "\nt=" + t + "\nblock=" + block + "\npooling=" + pooling + "\nimageSize=" + imageSize + "\nseed=" + seed
                + "\ndraws=" + draws + "\n";
    }

    public byte[] hash() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(canonical().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
