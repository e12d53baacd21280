package io.streamcell.demo;

import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;

/**
 * The model bundled for the demo: an LSTM (2 inputs, 32 hidden) trained by
 * {@code tools/make_demo_model.py} on {@link SensorSimulator} data to forecast a sensor's next
 * temperature from its current temperature and humidity. It lives on the class path under
 * {@value #RESOURCE_DIRECTORY}, as a model directory ({@code config.json}, {@code weights.safetensors}).
 */
public final class DemoModel {
    /** Class-path directory of the bundled model. */
    public static final String RESOURCE_DIRECTORY = "models/demo";

    private DemoModel() {}

    /** Loads the bundled model with this class's class loader. */
    public static RecurrentModel load() throws IOException {
        return load(DemoModel.class.getClassLoader());
    }

    /** Loads the bundled model from {@code classLoader}'s class path: a directory or a jar. */
    public static RecurrentModel load(ClassLoader classLoader) throws IOException {
        String configResource = RESOURCE_DIRECTORY + "/" + ModelDirectory.CONFIG_FILE;
        URL config = classLoader.getResource(configResource);
        if (config == null) {
            throw new IOException("the bundled demo model is not on the class path (no " + configResource + ")");
        }
        URI uri;
        try {
            uri = config.toURI();
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the bundled demo model at " + config, e);
        }
        if (!"jar".equals(uri.getScheme())) {
            return ModelDirectory.read(Path.of(uri).getParent());
        }
        FileSystem jar;
        boolean opened;
        try {
            jar = FileSystems.newFileSystem(uri, Map.of());
            opened = true;
        } catch (FileSystemAlreadyExistsException e) {
            jar = FileSystems.getFileSystem(uri);
            opened = false;
        }
        try {
            return ModelDirectory.read(jar.getPath("/" + RESOURCE_DIRECTORY));
        } finally {
            if (opened) {
                jar.close();
            }
        }
    }
}
