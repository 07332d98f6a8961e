// Unit square [0,1]^2 for the PCGCVAE families: unstructured triangles.
// Target element size h is set from the command line:
//   gmsh -2 -format msh22 -setnumber h 0.05 unit_square.geo -o out.msh
// The boundary is Physical Curve 1 ("boundary"); PETSc marks it itself with
// DMPlexMarkBoundaryFaces, so the tag is informational.
DefineConstant[ h = {0.1, Name "h"} ];
Point(1) = {0, 0, 0, h};
Point(2) = {1, 0, 0, h};
Point(3) = {1, 1, 0, h};
Point(4) = {0, 1, 0, h};
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 1};
Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};
Physical Curve("boundary", 1) = {1, 2, 3, 4};
Physical Surface("domain", 2) = {1};
