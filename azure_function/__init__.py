"""Azure target: an HTTP-triggered Function (Python v2 model) writing to Blob Storage."""
