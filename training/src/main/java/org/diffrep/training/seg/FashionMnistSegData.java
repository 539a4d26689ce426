package org.diffrep.training.seg;

import org.diffrep.training.data.FashionMnistImages;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Fashion-MNIST as an 11-class segmentation task that needs no annotation download: a pixel of the
 * 32 px (padded) image is foreground when its 8-bit value exceeds {@link #FOREGROUND_THRESHOLD}, and a
 * foreground pixel's class is the garment's (1..10), background is 0. Whether a pixel is garment or
 * background is then visible in the pixel itself; which garment it belongs to is not, and that is what
 * the features have to tell.
 */
public final class FashionMnistSegData implements SegData {

    /** 8-bit value above which a pixel is foreground (about 10% of full scale: the faint halo stays background). */
    public static final int FOREGROUND_THRESHOLD = 25;

    private final FashionMnistImages images;
    private final List<String> classNames;
    public FashionMnistSegData(FashionMnistImages images, List<String> garmentNames) {
        this.images = images;
        List<String> names = new ArrayList<>(List.of("background"));
        names.addAll(garmentNames);
        this.classNames = List.copyOf(names);
    }

    @Override
    public String describe() {
        return images.describe() + " as " + classNames.size() + "-class segmentation (foreground: value > " + FOREGROUND_THRESHOLD + "/255"
                + ")";
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int channels() {
        return 1;
    }

    @Override
    public int imageSize() {
        return FashionMnistImages.SIDE;
    }

    @Override
    public long id(int index) {
        return images.id(index);
    }

    /** The label map of image {@code index} from its pixels [S·S] in [-1, 1]. */
    int[] labels(int index, float[] pixels, int offset) {
        int s = FashionMnistImages.SIDE;
        float threshold = FOREGROUND_THRESHOLD / 127.5f - 1f;
        int garment = images.label(index) + 1;
        int[] out = new int[s * s];
        for (int i = 0; i < out.length; i++) out[i] = pixels[offset + i] > threshold ? garment : 0;
        return out;
    }

    /** The same pixels and labels as evaluation: the demo's training sees every image as it is. */
    @Override
    public Batch trainBatch(int[] indices, long variant) {
        EvalBatch e = evalBatch(indices);
        int plane = FashionMnistImages.SIDE * FashionMnistImages.SIDE;
        int[] labels = new int[indices.length * plane];
        for (int i = 0; i < indices.length; i++) System.arraycopy(e.targets().get(i).labels(), 0, labels, i * plane, plane);
        return new Batch(e.images(), labels);
    }

    @Override
    public EvalBatch evalBatch(int[] indices) {
        int s = FashionMnistImages.SIDE;
        INDArray x = images.images(indices, 0);
        float[] px = x.dup('c').data().asFloat();
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < indices.length; i++) {
            targets.add(new Target("image_" + id(indices[i]) + ".png", s, s, labels(indices[i], px, i * s * s)));
        }
        return new EvalBatch(x, targets);
    }
}
