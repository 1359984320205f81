// Replaced by the store's tests in this series.
