// Package images holds the image commands: images, inspecti, imagefsinfo,
// pull, rmi, load, save.
package images
