package io.streamcell.io.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

class MultivariateTableTest {

    @Test
    void findsTheTimeColumnAndTheNumericColumns() throws Exception {
        MultivariateTable table = MultivariateTable.read(
                new StringReader("date,A,B\n2016-07-01 00:00:00,1.5,2\n2016-07-01 01:00:00,-3,4e1\n"), "t.csv");
        assertThat(table.columns()).containsExactly("A", "B");
        assertThat(table.times()).containsExactly(1467331200000L, 1467334800000L);
        assertThat(table.values()[1]).containsExactly(-3, 40);
    }

    @Test
    void aNumericColumnNamedTimestampIsTheTimeColumn() throws Exception {
        MultivariateTable table = MultivariateTable.read(new StringReader("x,timestamp\n1,1000\n2,2000\n"), "t.csv");
        assertThat(table.columns()).containsExactly("x");
        assertThat(table.times()).containsExactly(1000, 2000);
    }

    @Test
    void withoutATimeColumnEveryColumnIsASeries() throws Exception {
        MultivariateTable table = MultivariateTable.read(new StringReader("x,y\n1,2\n3,4\n"), "t.csv");
        assertThat(table.times()).isNull();
        assertThat(table.columns()).containsExactly("x", "y");
    }

    @Test
    void reportsBadFilesWithTheirLocation() {
        assertThatThrownBy(() -> MultivariateTable.read(new StringReader("d,x\n2020-01-01,1\n2020-01-02\n"), "t.csv"))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("t.csv:3");
        assertThatThrownBy(() -> MultivariateTable.read(new StringReader("d,x,y\na,1,b\n"), "t.csv"))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("only one (the time column)");
        assertThatThrownBy(() -> MultivariateTable.read(new StringReader("d\nnot-a-time\n"), "t.csv"))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("no numeric columns");
        assertThatThrownBy(() -> MultivariateTable.read(new StringReader("d,x\nnope,1\n"), "t.csv"))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("t.csv:2");
        assertThatThrownBy(() -> MultivariateTable.read(new StringReader(""), "t.csv"))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("empty file");
    }
}
